namespace Umbra.Inference.Model;

/// <summary>A request needs more positions than the context window holds.</summary>
public sealed class ContextLengthExceededException : Exception
{
    public ContextLengthExceededException(int requested, int contextLength)
        : base($"This model's maximum context length is {contextLength} tokens, but {requested} tokens were requested. Shorten the prompt or lower max_tokens.")
    {
        Requested = requested;
        ContextLength = contextLength;
    }

    public ContextLengthExceededException()
    {
    }

    public ContextLengthExceededException(string message) : base(message)
    {
    }

    public ContextLengthExceededException(string message, Exception inner) : base(message, inner)
    {
    }

    public int Requested { get; }

    public int ContextLength { get; }
}
