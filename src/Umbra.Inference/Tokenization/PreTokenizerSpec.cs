namespace Umbra.Inference.Tokenization;

/// <summary>
/// What a tokenizer.ggml.pre value means in llama.cpp: the regexes applied in order, and the vocabulary
/// settings that llama.cpp ties to the pre-tokenizer type.
/// </summary>
/// <param name="Patterns">Split regexes, in order, as written in llama.cpp.</param>
/// <param name="CleanSpaces">Whether decoding removes spaces before punctuation and contractions.</param>
/// <param name="IgnoreMerges">Whether a word that is itself a token skips the merges.</param>
/// <param name="AddBos">The default for tokenizer.ggml.add_bos_token.</param>
/// <param name="NoDefaultBos">Whether the default BOS id is "none" rather than BPE's default.</param>
internal sealed record PreTokenizerSpec(
    string[] Patterns,
    bool CleanSpaces = true,
    bool IgnoreMerges = false,
    bool AddBos = false,
    bool NoDefaultBos = false);
