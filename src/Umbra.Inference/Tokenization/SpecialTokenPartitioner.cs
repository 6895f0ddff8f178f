namespace Umbra.Inference.Tokenization;

/// <summary>
/// Splits special tokens out of the input before normal tokenization, as llama.cpp's
/// tokenizer_st_partition does: tokens are tried longest first, each over every text fragment left by
/// the previous ones, left to right without overlap. User-defined tokens are always split out; control
/// and unknown tokens only when special tokens are parsed. LStrip/RStrip tokens swallow the ASCII
/// whitespace beside them.
/// </summary>
internal static class SpecialTokenPartitioner
{
    public static List<TextFragment> Partition(Vocabulary vocab, string text, bool parseSpecial)
    {
        var fragments = new List<TextFragment>();
        if (text.Length == 0)
            return fragments;
        fragments.Add(TextFragment.ForText(0, text.Length));

        var next = new List<TextFragment>();
        foreach (int id in vocab.SpecialTokensByLength)
        {
            if (!parseSpecial && vocab.Has(TokenAttributes.Control | TokenAttributes.Unknown, id))
                continue;
            string special = vocab.Texts[id];
            // Most tokens occur nowhere; only rebuild the list for those that do.
            if (!fragments.Exists(f => !f.IsToken && text.AsSpan(f.Start, f.Length).Contains(special, StringComparison.Ordinal)))
                continue;

            next.Clear();
            var attributes = vocab.Attributes[id];
            foreach (var fragment in fragments)
            {
                if (fragment.IsToken)
                    next.Add(fragment);
                else
                    Split(text, fragment, id, special, attributes, next);
            }
            (fragments, next) = (next, fragments);
        }
        return fragments;
    }

    private static void Split(string text, TextFragment fragment, int id, string special, TokenAttributes attributes, List<TextFragment> output)
    {
        int start = fragment.Start, length = fragment.Length;
        while (length > 0)
        {
            int at = text.AsSpan(start, length).IndexOf(special, StringComparison.Ordinal);
            if (at < 0)
                break;

            int leftLength = at;
            if ((attributes & TokenAttributes.LStrip) != 0)
            {
                while (leftLength > 0 && IsAsciiSpace(text[start + leftLength - 1]))
                    leftLength--;
            }
            if (leftLength > 0)
                output.Add(TextFragment.ForText(start, leftLength));
            output.Add(TextFragment.ForToken(id));

            int rightStart = start + at + special.Length;
            int rightLength = start + length - rightStart;
            if ((attributes & TokenAttributes.RStrip) != 0)
            {
                while (rightLength > 0 && IsAsciiSpace(text[rightStart]))
                {
                    rightStart++;
                    rightLength--;
                }
            }
            start = rightStart;
            length = rightLength;
        }
        if (length > 0)
            output.Add(TextFragment.ForText(start, length));
    }

    // C's isspace in the "C" locale, which is what llama.cpp strips with.
    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
