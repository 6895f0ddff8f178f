using System.Text;
using System.Text.RegularExpressions;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// A pre-tokenizer regex without a hand-written matcher in llama.cpp, which runs it with std::regex
/// (ECMAScript syntax). Patterns with \p{..} classes are rewritten, as llama.cpp does, to run on
/// <see cref="SplitInput.Collapsed"/>: each class becomes its category marker plus the ASCII
/// characters of that category, so the code point classification is the same one the hand-written
/// matchers use. Other patterns run on <see cref="SplitInput.Wide"/>. RegexOptions.ECMAScript gives
/// \s the same ASCII meaning as std::regex.
/// </summary>
internal sealed class RegexSplitRule : SplitRule
{
    private static readonly Dictionary<string, string> Categories = new(StringComparer.Ordinal)
    {
        [@"\p{N}"] = "\u00D1" + "0-9",
        [@"\p{L}"] = "\u00D2" + "A-Za-z",
        [@"\p{P}"] = "\u00D3" + @"!-#%-*,-/:-;?-@\[-\]_\{\}",
        [@"\p{M}"] = "\u00D4",
        // As in llama.cpp, '~' is missing from the ASCII symbols.
        [@"\p{S}"] = "\u00D5" + @"\$\+<->\^`\|",
        // llama.cpp treats every letter subcategory as "any letter".
        [@"\p{Lu}"] = "\u00D2" + "A-Za-z",
        [@"\p{Ll}"] = "\u00D2" + "A-Za-z",
        [@"\p{Lt}"] = "\u00D2" + "A-Za-z",
        [@"\p{Lm}"] = "\u00D2" + "A-Za-z",
        [@"\p{Lo}"] = "\u00D2" + "A-Za-z",
    };

    private readonly Regex _regex;
    private readonly bool _collapsed;

    public RegexSplitRule(string pattern)
    {
        _collapsed = Categories.Keys.Any(k => pattern.Contains(k, StringComparison.Ordinal));
        string translated = _collapsed ? Collapse(pattern) : pattern;
        // std::regex's $ matches only at the very end; .NET's also matches before a final \n.
        if (translated.EndsWith('$') && !translated.EndsWith(@"\$", StringComparison.Ordinal))
            translated = translated[..^1] + @"(?![\s\S])";
        _regex = new Regex(translated, RegexOptions.ECMAScript | RegexOptions.Compiled);
    }

    public override void Split(SplitInput input, List<int> segments, List<int> output)
    {
        string view = _collapsed ? input.Collapsed : input.Wide;
        int start = 0;
        foreach (int segment in segments)
        {
            int end = start + segment;
            int last = start;
            // The (input, beginning, length) overload treats the segment as the whole input, so
            // look-arounds and anchors stop at its bounds like std::regex_iterator over the segment.
            for (var match = _regex.Match(view, start, segment); match.Success; match = match.NextMatch())
            {
                if (match.Length == 0)
                    continue;
                if (match.Index > last)
                    output.Add(match.Index - last);
                output.Add(match.Length);
                last = match.Index + match.Length;
            }
            if (end > last)
                output.Add(end - last);
            start = end;
        }
    }

    /// <summary>llama.cpp's rewrite of \p{..} classes for its collapsed text.</summary>
    private static string Collapse(string pattern)
    {
        if (pattern.Any(c => c > 0x7F))
            throw new TokenizerException($"The pre-tokenizer regex '{pattern}' mixes Unicode classes with non-ASCII characters, which llama.cpp does not support either.");

        var result = new StringBuilder(pattern.Length * 2);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '[' && (i == 0 || pattern[i - 1] != '\\'))
            {
                result.Append('[');
                inClass = true;
                continue;
            }
            if (inClass && c == ']' && pattern[i - 1] != '\\')
            {
                result.Append(']');
                inClass = false;
                continue;
            }
            if (c == '\\' && i + 3 < pattern.Length && pattern[i + 1] == 'p' && pattern[i + 2] == '{')
            {
                int close = pattern.IndexOf('}', i + 3);
                if (close >= 0 && close <= i + 10 && Categories.TryGetValue(pattern[i..(close + 1)], out string? members))
                {
                    result.Append(inClass ? members : "[" + members + "]");
                    i = close;
                    continue;
                }
            }
            result.Append(c);
        }
        return result.ToString();
    }
}
