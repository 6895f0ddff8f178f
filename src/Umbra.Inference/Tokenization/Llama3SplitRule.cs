namespace Umbra.Inference.Tokenization;

/// <summary>
/// The Llama 3 pre-tokenizer regex
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>,
/// matched the way llama.cpp's unicode_regex_split_custom_llama3 does, including its quirks (the
/// punctuation branch tests the class of the first character even after a space).
/// </summary>
internal sealed class Llama3SplitRule : SplitRule
{
    private const CodepointFlags WordLike = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    public override void Split(SplitInput input, List<int> segments, List<int> output)
    {
        int start = 0;
        foreach (int segment in segments)
        {
            int end = start + segment;
            int pos = start;
            while (pos < end)
                pos = MatchAt(input, pos, start, end, output);
            start = end;
        }
    }

    /// <summary>Adds the match(es) starting at <paramref name="pos"/> and returns where they end.</summary>
    private static int MatchAt(SplitInput input, int pos, int start, int end, List<int> output)
    {
        var cps = input.Codepoints;
        int cp = cps[pos];
        var flags = input.FlagsAt(pos, start, end);

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (cp == '\'' && pos + 1 < end)
        {
            int c1 = AsciiLower(cps[pos + 1]);
            if (c1 is 's' or 't' or 'm' or 'd')
                return Add(output, pos, pos + 2);
            if (pos + 2 < end)
            {
                int c2 = AsciiLower(cps[pos + 2]);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
                    return Add(output, pos, pos + 3);
            }
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cp is not ('\r' or '\n') && (flags & CodepointFlags.Number) == 0 &&
            ((flags & CodepointFlags.Letter) != 0 || (input.FlagsAt(pos + 1, start, end) & CodepointFlags.Letter) != 0))
        {
            int at = pos + 1;
            while ((input.FlagsAt(at, start, end) & CodepointFlags.Letter) != 0)
                at++;
            return Add(output, pos, at);
        }

        // \p{N}{1,3}: a run of digits in groups of three
        if ((flags & CodepointFlags.Number) != 0)
        {
            int at = pos;
            while ((input.FlagsAt(at, start, end) & CodepointFlags.Number) != 0)
            {
                at++;
                if (at - pos == 3)
                    pos = Add(output, pos, at);
            }
            return Add(output, pos, at);
        }

        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var head = cp == ' ' ? input.FlagsAt(pos + 1, start, end) : flags;
        if ((head & WordLike) == 0 && flags != CodepointFlags.None)
        {
            int at = cp == ' ' ? pos + 1 : pos;
            var f = head;
            while ((f & WordLike) == 0 && f != CodepointFlags.None)
                f = input.FlagsAt(++at, start, end);
            while (at < end && cps[at] is '\r' or '\n')
                at++;
            return Add(output, pos, at);
        }

        int spaces = 0, afterLastNewline = -1;
        while ((input.FlagsAt(pos + spaces, start, end) & CodepointFlags.Whitespace) != 0)
        {
            if (cps[pos + spaces] is '\r' or '\n')
                afterLastNewline = pos + spaces + 1;
            spaces++;
        }
        // \s*[\r\n]+
        if (afterLastNewline >= 0)
            return Add(output, pos, afterLastNewline);
        // \s+(?!\S)
        if (spaces > 1 && pos + spaces < end)
            return Add(output, pos, pos + spaces - 1);
        // \s+
        if (spaces > 0)
            return Add(output, pos, pos + spaces);
        return Add(output, pos, pos + 1);
    }

    private static int Add(List<int> output, int from, int to)
    {
        if (to > from)
            output.Add(to - from);
        return to;
    }

    // llama.cpp lowercases with Unicode tables, but only ASCII letters can lower to the letters tested.
    private static int AsciiLower(int cp) => cp is >= 'A' and <= 'Z' ? cp | 0x20 : cp;
}
