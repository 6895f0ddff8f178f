namespace Umbra.Inference.Tokenization;

/// <summary>
/// Per-token attributes, with the same meaning (and bit values) as llama.cpp's <c>llama_token_attr</c>.
/// GGUF stores a token type (tokenizer.ggml.token_type); the loader maps it here and then applies
/// llama.cpp's text-based fix-ups (end-of-generation tokens become control tokens, and so on).
/// </summary>
[Flags]
public enum TokenAttributes
{
    Undefined = 0,
    Unknown = 1 << 0,
    Unused = 1 << 1,
    Normal = 1 << 2,
    Control = 1 << 3,
    UserDefined = 1 << 4,
    Byte = 1 << 5,
    Normalized = 1 << 6,

    /// <summary>Whitespace to the left of the token is removed when it is split out of the text.</summary>
    LStrip = 1 << 7,

    /// <summary>Whitespace to the right of the token is removed when it is split out of the text.</summary>
    RStrip = 1 << 8,
    SingleWord = 1 << 9,
}
