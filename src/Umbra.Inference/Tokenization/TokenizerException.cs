namespace Umbra.Inference.Tokenization;

/// <summary>
/// A vocabulary that cannot be turned into a tokenizer (unknown tokenizer model or pre-tokenizer,
/// missing or inconsistent metadata), or a token id outside the vocabulary.
/// </summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException()
    {
    }

    public TokenizerException(string message)
        : base(message)
    {
    }

    public TokenizerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
