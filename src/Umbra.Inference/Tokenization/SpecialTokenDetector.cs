using System.Collections.Frozen;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// llama.cpp's text-based special-token fix-ups, applied after the metadata is read: it finds
/// end-of-turn, end-of-message and fill-in-the-middle tokens by their text when the metadata does not
/// name them, collects the end-of-generation set, marks such tokens as control tokens, and applies
/// per-model strip rules. Where llama.cpp scans a hash map (so the first match is unspecified), this
/// scans ids in order, so the lowest matching id wins.
/// </summary>
internal static class SpecialTokenDetector
{
    private static readonly FrozenSet<string> EotTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");

    private static readonly FrozenSet<string> FimPreTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");

    private static readonly FrozenSet<string> FimSufTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");

    private static readonly FrozenSet<string> FimMidTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");

    private static readonly FrozenSet<string> FimPadTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");

    private static readonly FrozenSet<string> FimRepTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");

    private static readonly FrozenSet<string> FimSepTexts = FrozenSet.Create(StringComparer.Ordinal, "<|file_sep|>");

    private static readonly FrozenSet<string> EogTexts = FrozenSet.Create(StringComparer.Ordinal,
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");

    // gpt-oss chat markers that must always be rendered, even when control tokens are hidden.
    private static readonly FrozenSet<string> AlwaysRendered = FrozenSet.Create(StringComparer.Ordinal,
        "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    public static void Apply(Vocabulary vocab, string? modelName, string? pre, string? architecture)
    {
        DetectByText(vocab);
        vocab.EndOfGeneration = CollectEndOfGeneration(vocab).ToFrozenSet();
        vocab.SpecialTokensByLength = SortSpecialTokens(vocab);
        ApplyModelRules(vocab, AsciiLower(modelName), pre ?? "", architecture ?? "");
    }

    private static void DetectByText(Vocabulary vocab)
    {
        // Only kinds the metadata left unset are looked up, and the first match (lowest id) wins.
        for (int id = 0; id < vocab.Count; id++)
        {
            string text = vocab.Texts[id];
            if (vocab.Eot < 0 && EotTexts.Contains(text)) vocab.Eot = MarkControl(vocab, id);
            if (vocab.Eom < 0 && text == "<|eom_id|>") vocab.Eom = MarkControl(vocab, id);
            if (vocab.FimPre < 0 && FimPreTexts.Contains(text)) vocab.FimPre = MarkControl(vocab, id);
            if (vocab.FimSuf < 0 && FimSufTexts.Contains(text)) vocab.FimSuf = MarkControl(vocab, id);
            if (vocab.FimMid < 0 && FimMidTexts.Contains(text)) vocab.FimMid = MarkControl(vocab, id);
            if (vocab.FimPad < 0 && FimPadTexts.Contains(text)) vocab.FimPad = MarkControl(vocab, id);
            if (vocab.FimRep < 0 && FimRepTexts.Contains(text)) vocab.FimRep = MarkControl(vocab, id);
            if (vocab.FimSep < 0 && FimSepTexts.Contains(text)) vocab.FimSep = MarkControl(vocab, id);
        }
    }

    private static HashSet<int> CollectEndOfGeneration(Vocabulary vocab)
    {
        var eog = new HashSet<int>();
        foreach (int id in (ReadOnlySpan<int>)[vocab.FimPad, vocab.FimRep, vocab.FimSep])
        {
            if (id >= 0) eog.Add(id);
        }
        for (int id = 0; id < vocab.Count; id++)
        {
            if (EogTexts.Contains(vocab.Texts[id]))
                eog.Add(MarkControl(vocab, id));
        }
        for (int id = 0; id < vocab.Count; id++)
        {
            if (AlwaysRendered.Contains(vocab.Texts[id]))
                vocab.Attributes[id] = TokenAttributes.UserDefined;
        }
        foreach (int id in (ReadOnlySpan<int>)[vocab.Eos, vocab.Eot, vocab.Eom])
        {
            if (id >= 0) eog.Add(id);
        }

        // Harmony (gpt-oss) and solar-open use <|end|> between messages, not to stop generating.
        int end = FindIn(vocab, eog, "<|end|>");
        bool hasCall = FindIn(vocab, eog, "<|call|>") >= 0 || FindIn(vocab, eog, "<|calls|>") >= 0;
        if (end >= 0 && hasCall && (FindIn(vocab, eog, "<|return|>") >= 0 || FindIn(vocab, eog, "<|flush|>") >= 0))
        {
            eog.Remove(end);
            vocab.Attributes[end] = TokenAttributes.UserDefined;
        }

        // Gemma 4 and PaddleOCR use </s> inside turns.
        int s = FindIn(vocab, eog, "</s>");
        if (s >= 0 && FindIn(vocab, eog, "<|tool_response>") >= 0)
        {
            eog.Remove(s);
            vocab.Attributes[s] = TokenAttributes.Normal;
        }
        return eog;
    }

    private static int[] SortSpecialTokens(Vocabulary vocab)
    {
        const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
        // OrderBy is stable, so equally long tokens keep id order (llama.cpp leaves that order unspecified).
        return Enumerable.Range(0, vocab.Count)
            .Where(id => vocab.Has(special, id))
            .OrderByDescending(vocab.Utf8Length)
            .ToArray();
    }

    private static void ApplyModelRules(Vocabulary vocab, string modelName, string pre, string architecture)
    {
        if (pre.Contains("jina-v2-de", StringComparison.Ordinal) || pre.Contains("jina-v2-es", StringComparison.Ordinal) ||
            pre.Contains("jina-v2-code", StringComparison.Ordinal) || architecture.Contains("nomic-bert-moe", StringComparison.Ordinal) ||
            architecture.Contains("jina-bert-v3", StringComparison.Ordinal))
        {
            SetAttribute(vocab, vocab.Find("<mask>"), TokenAttributes.LStrip, true);
        }
        else if (modelName.Contains("phi-3", StringComparison.Ordinal) || modelName.Contains("phi3", StringComparison.Ordinal))
        {
            // Phi-3's chat format puts a newline after each marker; the reference tokenizer drops it.
            foreach (int id in vocab.SpecialTokensByLength)
                SetAttribute(vocab, id, TokenAttributes.RStrip, true);
            SetAttribute(vocab, vocab.Find("</s>"), TokenAttributes.RStrip, true);
            foreach (string text in (ReadOnlySpan<string>)["<unk>", "<s>", "<|endoftext|>"])
                SetAttribute(vocab, vocab.Find(text), TokenAttributes.RStrip, false);
        }
        else if (modelName.Contains("modern-bert", StringComparison.Ordinal))
        {
            SetAttribute(vocab, vocab.Find("[MASK]"), TokenAttributes.LStrip, true);
        }
    }

    private static int MarkControl(Vocabulary vocab, int id)
    {
        vocab.Attributes[id] |= TokenAttributes.Control;
        return id;
    }

    private static void SetAttribute(Vocabulary vocab, int id, TokenAttributes attribute, bool on)
    {
        if (id < 0) return;
        vocab.Attributes[id] = on ? vocab.Attributes[id] | attribute : vocab.Attributes[id] & ~attribute;
    }

    private static int FindIn(Vocabulary vocab, HashSet<int> set, string text)
    {
        int id = vocab.Find(text);
        return id >= 0 && set.Contains(id) ? id : -1;
    }

    private static string AsciiLower(string? s) =>
        s is null ? "" : string.Create(s.Length, s, static (span, src) =>
        {
            for (int i = 0; i < src.Length; i++)
                span[i] = char.IsAsciiLetterUpper(src[i]) ? (char)(src[i] | 0x20) : src[i];
        });
}
