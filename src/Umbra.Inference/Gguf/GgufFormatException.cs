namespace Umbra.Inference.Gguf;

/// <summary>A GGUF file is malformed or hostile. The message names the problem and, where known, the byte offset.</summary>
public sealed class GgufFormatException : Exception
{
    public GgufFormatException(string message, long offset)
        : base(offset >= 0 ? $"{message} (at byte offset {offset})" : message)
    {
        Offset = offset;
    }

    public GgufFormatException(string message) : this(message, -1)
    {
    }

    public GgufFormatException(string message, Exception inner) : base(message, inner)
    {
        Offset = -1;
    }

    public GgufFormatException()
    {
        Offset = -1;
    }

    /// <summary>Byte offset in the file where the problem was found, or -1.</summary>
    public long Offset { get; }
}
