namespace Umbra.Inference.Tokenization;

/// <summary>
/// GPT-2's pre-tokenizer regex <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)</c>
/// (plus <c>\s+</c>), matched the way llama.cpp's unicode_regex_split_custom_gpt2 does, character class
/// by character class. A regex engine is not used because llama.cpp's ids come from this hand-written
/// matcher, and because a whitespace run is then linear to scan.
/// </summary>
internal sealed class Gpt2SplitRule : SplitRule
{
    private const CodepointFlags WordLike = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    public override void Split(SplitInput input, List<int> segments, List<int> output)
    {
        var cps = input.Codepoints;
        int start = 0;
        foreach (int segment in segments)
        {
            int end = start + segment;
            int pos = start;
            while (pos < end)
            {
                int from = pos;
                pos = MatchAt(input, cps, pos, start, end);
                output.Add(pos - from);
            }
            start = end;
        }
    }

    /// <summary>Returns the end of the match starting at <paramref name="pos"/> (always past it).</summary>
    private static int MatchAt(SplitInput input, int[] cps, int pos, int start, int end)
    {
        int cp = cps[pos];

        // 's 't 're 've 'm 'll 'd
        if (cp == '\'' && pos + 1 < end)
        {
            int c1 = cps[pos + 1];
            if (c1 is 's' or 't' or 'm' or 'd')
                return pos + 2;
            if (pos + 2 < end)
            {
                int c2 = cps[pos + 2];
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
                    return pos + 3;
            }
        }

        // An optional space, then a run of one class: letters, numbers, or anything but whitespace,
        // letters and numbers. The class is decided by the character after the space.
        var head = input.FlagsAt(cp == ' ' ? pos + 1 : pos, start, end);
        var run = RunOf(head);
        if (run != Run.None)
        {
            if (cp == ' ')
                pos++;
            while (RunOf(input.FlagsAt(pos, start, end)) == run)
                pos++;
            return pos;
        }

        int spaces = 0;
        while ((input.FlagsAt(pos + spaces, start, end) & CodepointFlags.Whitespace) != 0)
            spaces++;
        // \s+(?!\S): a whitespace run followed by something keeps its last character for the next match.
        if (spaces > 1 && pos + spaces < end)
            return pos + spaces - 1;
        if (spaces > 0)
            return pos + spaces;
        return pos + 1;
    }

    private enum Run
    {
        None,
        Letters,
        Numbers,
        Other,
    }

    private static Run RunOf(CodepointFlags flags) =>
        (flags & CodepointFlags.Letter) != 0 ? Run.Letters
        : (flags & CodepointFlags.Number) != 0 ? Run.Numbers
        : flags != CodepointFlags.None && (flags & WordLike) == 0 ? Run.Other
        : Run.None;
}
