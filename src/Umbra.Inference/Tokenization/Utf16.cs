namespace Umbra.Inference.Tokenization;

/// <summary>UTF-16 helpers for tokenizer input.</summary>
internal static class Utf16
{
    /// <summary>
    /// Replaces unpaired surrogates with U+FFFD, which is what the text becomes when converted to the
    /// UTF-8 that llama.cpp tokenizes, so lone surrogates tokenize exactly as llama.cpp would see them.
    /// </summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
            return text;

        char[]? copy = null;
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c))
                continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            copy ??= text.ToCharArray();
            copy[i] = '\uFFFD';
        }
        return copy is null ? text : new string(copy);
    }
}
