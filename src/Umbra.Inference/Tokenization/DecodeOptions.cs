namespace Umbra.Inference.Tokenization;

/// <summary>How token ids are turned back into text.</summary>
public sealed record DecodeOptions
{
    /// <summary>llama.cpp's defaults for detokenizing a whole text: special tokens rendered, nothing removed.</summary>
    public static DecodeOptions Default { get; } = new();

    /// <summary>
    /// Render control and unknown tokens as their text (llama.cpp's unparse_special). When false they
    /// produce nothing. User-defined tokens are always rendered.
    /// </summary>
    public bool RenderSpecial { get; init; } = true;

    /// <summary>
    /// Drop a leading BOS token when the model adds one, and (in <see cref="Tokenizer.Decode(ReadOnlySpan{int}, DecodeOptions)"/>
    /// only, since a stream has no known end) a trailing EOS when the model adds one: llama.cpp's remove_special.
    /// </summary>
    public bool RemoveSpecial { get; init; }

    /// <summary>
    /// The ids start the text, so the space that SentencePiece's dummy prefix put before the first word
    /// is dropped (llama.cpp removes one leading space from the first token's piece when the vocabulary
    /// adds a space prefix). Set to false when decoding a continuation, such as generated tokens that
    /// follow a prompt, or the space between the prompt and the first generated word is lost.
    /// </summary>
    public bool StripLeadingSpace { get; init; } = true;
}
