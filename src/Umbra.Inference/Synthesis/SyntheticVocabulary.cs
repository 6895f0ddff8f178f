namespace Umbra.Inference.Synthesis;

/// <summary>
/// A SentencePiece-style vocabulary of a given size for synthetic models: unknown, BOS, EOS, the 256
/// byte-fallback tokens, a chat family's special tokens, then letter n-grams with and without the
/// word-start mark, scored so shorter pieces merge first.
/// </summary>
internal static class SyntheticVocabulary
{
    public static (string[] Tokens, float[] Scores, int[] Types) Build(int size, string chatFamily)
    {
        var specials = chatFamily switch
        {
            "llama3" => new[] { "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>" },
            "chatml" => ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            "mistral" => ["[INST]", "[/INST]"],
            "gemma" => ["<start_of_turn>", "<end_of_turn>"],
            "phi3" => ["<|user|>", "<|assistant|>", "<|system|>", "<|end|>"],
            _ => [],
        };
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { 2, 3, 3 };
        for (int b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(6);
        }
        foreach (var s in specials)
        {
            tokens.Add(s);
            types.Add(3);
        }
        if (tokens.Count > size)
            throw new ArgumentException($"A vocabulary needs at least {tokens.Count} tokens; {size} asked.", nameof(size));

        var seen = new HashSet<string>(tokens, StringComparer.Ordinal);
        foreach (var piece in Pieces())
        {
            if (tokens.Count >= size) break;
            if (!seen.Add(piece)) continue;
            tokens.Add(piece);
            types.Add(1);
        }
        var scores = new float[tokens.Count];
        for (int i = 0; i < scores.Length; i++) scores[i] = types[i] == 1 ? -i : 0f;
        return ([.. tokens], scores, [.. types]);
    }

    private static IEnumerable<string> Pieces()
    {
        const string letters = "etaoinshrdlcumwfgypbvkjxqz";
        yield return "\u2581";
        foreach (char c in " .,!?'\"-:;()0123456789" + letters + letters.ToUpperInvariant())
        {
            yield return c.ToString();
            yield return "\u2581" + c;
        }
        var grams = letters.Select(c => c.ToString()).ToList();
        for (int n = 2; n <= 4; n++)
        {
            var next = new List<string>();
            foreach (var g in grams)
            {
                foreach (char c in letters)
                {
                    string piece = g + c;
                    next.Add(piece);
                    yield return "\u2581" + piece;
                    yield return piece;
                }
            }
            grams = next;
        }
    }
}
