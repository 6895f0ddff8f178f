using Umbra.Inference.Gguf;

namespace Umbra.Inference.Tokenization;

/// <summary>Reads the tokenizer.ggml.* metadata of a GGUF file into a <see cref="Vocabulary"/>.</summary>
internal static class VocabularyLoader
{
    private const string Prefix = "tokenizer.ggml.";

    public static Vocabulary Load(GgufFile file, VocabularyDefaults defaults)
    {
        try
        {
            return LoadCore(file, defaults);
        }
        catch (GgufFormatException e)
        {
            throw new TokenizerException($"The tokenizer metadata of {Path.GetFileName(file.Path)} is malformed: {e.Message}", e);
        }
    }

    private static Vocabulary LoadCore(GgufFile file, VocabularyDefaults defaults)
    {
        var stored = file.GetArray<string>(Prefix + "tokens")
            ?? throw new TokenizerException($"{Path.GetFileName(file.Path)} has no {Prefix}tokens: the file carries no vocabulary.");
        if (stored.Length == 0)
            throw new TokenizerException($"{Path.GetFileName(file.Path)} has an empty {Prefix}tokens list.");

        // llama.cpp renames empty tokens so that every token has a distinct, non-empty text.
        var texts = new string[stored.Length];
        for (int i = 0; i < texts.Length; i++)
            texts[i] = stored[i].Length == 0 ? $"[EMPTY_{i}]" : stored[i];

        var vocab = new Vocabulary(texts, ReadScores(file, texts.Length), ReadAttributes(file, texts.Length))
        {
            Bos = defaults.Bos,
            Eos = defaults.Eos,
            Unk = defaults.Unk,
            AddSpacePrefix = file.GetBool(Prefix + "add_space_prefix") ?? defaults.AddSpacePrefix,
            AddBos = file.GetBool(Prefix + "add_bos_token") ?? defaults.AddBos,
            AddEos = file.GetBool(Prefix + "add_eos_token") ?? defaults.AddEos,
            CleanSpaces = defaults.CleanSpaces,
        };

        vocab.Bos = ReadId(file, "bos_token_id", vocab.Bos, vocab.Count);
        vocab.Eos = ReadId(file, "eos_token_id", vocab.Eos, vocab.Count);
        vocab.Eot = ReadId(file, "eot_token_id", vocab.Eot, vocab.Count);
        vocab.Eom = ReadId(file, "eom_token_id", vocab.Eom, vocab.Count);
        vocab.Unk = ReadId(file, "unknown_token_id", vocab.Unk, vocab.Count);
        vocab.FimPre = ReadId(file, "fim_pre_token_id", vocab.FimPre, vocab.Count);
        vocab.FimSuf = ReadId(file, "fim_suf_token_id", vocab.FimSuf, vocab.Count);
        vocab.FimMid = ReadId(file, "fim_mid_token_id", vocab.FimMid, vocab.Count);
        vocab.FimPad = ReadId(file, "fim_pad_token_id", vocab.FimPad, vocab.Count);
        vocab.FimRep = ReadId(file, "fim_rep_token_id", vocab.FimRep, vocab.Count);
        vocab.FimSep = ReadId(file, "fim_sep_token_id", vocab.FimSep, vocab.Count);
        // Older conversions used these names for the fill-in-the-middle tokens; llama.cpp still honours them.
        vocab.FimPre = ReadId(file, "prefix_token_id", vocab.FimPre, vocab.Count);
        vocab.FimSuf = ReadId(file, "suffix_token_id", vocab.FimSuf, vocab.Count);
        vocab.FimMid = ReadId(file, "middle_token_id", vocab.FimMid, vocab.Count);

        if (vocab.AddBos && vocab.Bos < 0)
            throw new TokenizerException($"{Prefix}add_bos_token is true, but {Prefix}bos_token_id is not set to a token of the vocabulary.");
        if (vocab.AddEos && vocab.Eos < 0)
            throw new TokenizerException($"{Prefix}add_eos_token is true, but {Prefix}eos_token_id is not set to a token of the vocabulary.");

        SpecialTokenDetector.Apply(vocab, file.GetString("general.name"), file.GetString(Prefix + "pre"), file.GetString("general.architecture"));
        return vocab;
    }

    /// <summary>
    /// A special token id from the metadata. A default outside the vocabulary is dropped, as in llama.cpp;
    /// a stored id outside it (typically -1 or 0xFFFFFFFF) means "no such token".
    /// </summary>
    private static int ReadId(GgufFile file, string key, int current, int count)
    {
        long? stored = file.GetInteger(Prefix + key);
        long id = stored ?? current;
        return id >= 0 && id < count ? (int)id : -1;
    }

    private static float[] ReadScores(GgufFile file, int count)
    {
        if (!file.TryGetValue(Prefix + "scores", out var value))
            return new float[count];
        float[] scores = value.Value switch
        {
            float[] f => f,
            int[] i => Array.ConvertAll(i, x => (float)x),
            _ => throw new TokenizerException($"{Prefix}scores must be an array of float32 or int32, not {value}."),
        };
        if (scores.Length < count)
            throw new TokenizerException($"{Prefix}scores has {scores.Length} entries for {count} tokens.");
        return scores;
    }

    private static TokenAttributes[] ReadAttributes(GgufFile file, int count)
    {
        var attributes = new TokenAttributes[count];
        var types = file.GetInt32Array(Prefix + "token_type");
        if (types is null)
        {
            Array.Fill(attributes, TokenAttributes.Normal);
            return attributes;
        }
        if (types.Length < count)
            throw new TokenizerException($"{Prefix}token_type has {types.Length} entries for {count} tokens.");
        for (int i = 0; i < count; i++)
        {
            attributes[i] = types[i] switch
            {
                1 => TokenAttributes.Normal,
                2 => TokenAttributes.Unknown,
                3 => TokenAttributes.Control,
                4 => TokenAttributes.UserDefined,
                5 => TokenAttributes.Unused,
                6 => TokenAttributes.Byte,
                _ => TokenAttributes.Undefined,
            };
        }
        return attributes;
    }
}
