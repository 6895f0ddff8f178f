namespace Umbra.Inference.Generation;

/// <summary>Why generation ended, as OpenAI names it.</summary>
public enum FinishReason
{
    /// <summary>An end-of-generation token or a stop sequence.</summary>
    Stop,

    /// <summary>max_tokens or the context length was reached.</summary>
    Length,
}
