namespace Umbra.Inference.Tokenization;

/// <summary>
/// What llama.cpp assumes for a tokenizer type before reading the optional metadata keys
/// (token ids of -1 mean "none").
/// </summary>
internal sealed record VocabularyDefaults(
    int Bos,
    int Eos,
    int Unk,
    bool AddSpacePrefix,
    bool AddBos,
    bool AddEos,
    bool CleanSpaces);
