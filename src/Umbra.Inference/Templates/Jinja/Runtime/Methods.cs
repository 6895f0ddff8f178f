using System.Text;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// The Python methods templates call on strings (<c>content.strip()</c>) and dicts (<c>tool.items()</c>).
/// Only read-only methods exist: Hugging Face renders in Jinja's immutable sandbox, which refuses mutation.
/// </summary>
internal static class Methods
{
    private static readonly HashSet<string> StringMethods =
    [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex", "count", "join", "format",
        "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric", "isdecimal", "zfill",
        "center", "ljust", "rjust", "removeprefix", "removesuffix",
    ];

    private static readonly HashSet<string> DictMethods = ["items", "keys", "values", "get"];

    public static bool IsStringMethod(string name) => StringMethods.Contains(name);

    public static bool IsDictMethod(string name) => DictMethods.Contains(name);

    public static object? Call(BoundMethod method, CallArgs args, RenderBudget budget) => budget.ChargeResult(method.Target switch
    {
        string s => CallString(s, method.Name, args, budget),
        JinjaDict d => CallDict(d, method.Name, args, budget),
        LoopContext loop => loop.Cycle(args.Positional),
        _ => throw new TemplateException($"'{PyOps.TypeName(method.Target)}' object has no method '{method.Name}'"),
    });

    private static object? CallDict(JinjaDict dict, string name, CallArgs args, RenderBudget budget)
    {
        budget.ChargeItems(dict.Count);
        switch (name)
        {
            case "items":
                return dict.Select(e => (object?)new object?[] { e.Key, e.Value }).ToList();
            case "keys":
                return dict.Keys.Select(k => (object?)k).ToList();
            case "values":
                return dict.Values.ToList();
            default: // get
                args.Expect("get", 2);
                if (args.Positional.Count == 0)
                    throw new TemplateException("get() needs a key");
                return dict.TryGet(args.Positional[0], out var value) ? value : args.Get(1, "default");
        }
    }

    private static object? CallString(string s, string name, CallArgs args, RenderBudget budget)
    {
        budget.ChargeString(s.Length);
        switch (name)
        {
            case "strip": return Strip(s, args.GetString(0, "chars"), true, true);
            case "lstrip": return Strip(s, args.GetString(0, "chars"), true, false);
            case "rstrip": return Strip(s, args.GetString(0, "chars"), false, true);
            case "split": return Split(s, args.GetString(0, "sep"), args.GetInteger(1, "maxsplit") ?? -1, fromRight: false);
            case "rsplit": return Split(s, args.GetString(0, "sep"), args.GetInteger(1, "maxsplit") ?? -1, fromRight: true);
            case "splitlines": return SplitLines(s);
            case "startswith": return Affix(s, args, start: true);
            case "endswith": return Affix(s, args, start: false);
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return Title(s);
            case "capitalize": return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            case "swapcase": return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "replace": return Replace(s, Required(args, 0, "old"), Required(args, 1, "new"), args.GetInteger(2, "count") ?? -1, budget);
            case "find": return (long)s.IndexOf(Required(args, 0, "sub"), StringComparison.Ordinal);
            case "rfind": return (long)s.LastIndexOf(Required(args, 0, "sub"), StringComparison.Ordinal);
            case "index" or "rindex":
                int at = name == "index" ? s.IndexOf(Required(args, 0, "sub"), StringComparison.Ordinal) : s.LastIndexOf(Required(args, 0, "sub"), StringComparison.Ordinal);
                return at >= 0 ? (long)at : throw new TemplateException("Substring not found");
            case "count": return (long)CountOccurrences(s, Required(args, 0, "sub"));
            case "join":
                var parts = PyOps.Iterate(args.Get(0, "iterable"), budget).Select(p => p as string ?? throw new TemplateException($"join() expects strings, found '{PyOps.TypeName(p)}'")).ToList();
                budget.ChargeString(parts.Sum(p => (long)p.Length) + ((long)s.Length * parts.Count));
                return string.Join(s, parts);
            case "format": return FormatBraces(s, args, budget);
            case "isdigit" or "isdecimal" or "isnumeric": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": return s.Length > 0 && s.All(char.IsWhiteSpace);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "zfill": return Pad(s, args, budget, (text, width) => text.StartsWith('-') || text.StartsWith('+') ? text[0] + text[1..].PadLeft(width - 1, '0') : text.PadLeft(width, '0'));
            case "center": return Pad(s, args, budget, Center);
            case "ljust": return Pad(s, args, budget, (text, width) => text.PadRight(width));
            case "rjust": return Pad(s, args, budget, (text, width) => text.PadLeft(width));
            case "removeprefix": return s.StartsWith(Required(args, 0, "prefix"), StringComparison.Ordinal) ? s[Required(args, 0, "prefix").Length..] : s;
            default: return s.EndsWith(Required(args, 0, "suffix"), StringComparison.Ordinal) ? s[..^Required(args, 0, "suffix").Length] : s; // removesuffix
        }
    }

    private static string Required(CallArgs args, int index, string name) =>
        args.GetString(index, name) ?? throw new TemplateException($"Missing string argument '{name}'");

    /// <summary>Python's strip: whitespace by default, else any of the given characters.</summary>
    public static string Strip(string s, string? chars, bool left, bool right)
    {
        if (chars == null)
            return left && right ? s.Trim() : left ? s.TrimStart() : s.TrimEnd();
        var set = chars.ToCharArray();
        return left && right ? s.Trim(set) : left ? s.TrimStart(set) : s.TrimEnd(set);
    }

    private static List<object?> Split(string s, string? separator, long maxSplit, bool fromRight)
    {
        if (separator is { Length: 0 })
            throw new TemplateException("split() separator cannot be empty");
        if (separator == null)
            return fromRight ? SplitWhitespaceFromRight(s, maxSplit) : SplitWhitespace(s, maxSplit);
        if (maxSplit < 0)
            return [.. s.Split(separator)];
        if (!fromRight)
            return [.. s.Split(separator, (int)Math.Min(int.MaxValue, maxSplit + 1))];
        var pieces = new List<object?>();
        int end = s.Length;
        for (long n = 0; n < maxSplit && end > 0; n++)
        {
            int at = s.LastIndexOf(separator, end - 1, StringComparison.Ordinal);
            if (at < 0 || at + separator.Length > end)
                break;
            pieces.Insert(0, s[(at + separator.Length)..end]);
            end = at;
        }
        pieces.Insert(0, s[..end]);
        return pieces;
    }

    // Python's split() without a separator: runs of whitespace separate words and empty words are dropped;
    // once maxsplit words are taken, the rest is one piece with only its leading whitespace removed.
    private static List<object?> SplitWhitespace(string s, long maxSplit)
    {
        var parts = new List<object?>();
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
                i++;
            if (i >= s.Length)
                return parts;
            if (maxSplit >= 0 && parts.Count == maxSplit)
            {
                parts.Add(s[i..]);
                return parts;
            }
            int j = i;
            while (j < s.Length && !char.IsWhiteSpace(s[j]))
                j++;
            parts.Add(s[i..j]);
            i = j;
        }
    }

    private static List<object?> SplitWhitespaceFromRight(string s, long maxSplit)
    {
        var parts = new List<object?>();
        int j = s.Length;
        while (true)
        {
            while (j > 0 && char.IsWhiteSpace(s[j - 1]))
                j--;
            if (j == 0)
                return parts;
            if (maxSplit >= 0 && parts.Count == maxSplit)
            {
                parts.Insert(0, s[..j]);
                return parts;
            }
            int i = j;
            while (i > 0 && !char.IsWhiteSpace(s[i - 1]))
                i--;
            parts.Insert(0, s[i..j]);
            j = i;
        }
    }

    private static List<object?> SplitLines(string s)
    {
        var lines = new List<object?>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is '\n' or '\r')
            {
                lines.Add(s[start..i]);
                if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
                    i++;
                start = i + 1;
            }
        }
        if (start < s.Length)
            lines.Add(s[start..]);
        return lines;
    }

    private static bool Affix(string s, CallArgs args, bool start)
    {
        var candidates = args.Get(0, start ? "prefix" : "suffix") switch
        {
            string one => [one],
            var many when many is List<object?> or object?[] => PyOps.AsList(many).Select(x => x as string ?? throw new TemplateException("startswith/endswith take strings")).ToList(),
            var other => throw new TemplateException($"{(start ? "startswith" : "endswith")}() takes a string or a tuple of strings, not '{PyOps.TypeName(other)}'"),
        };
        return candidates.Any(c => start ? s.StartsWith(c, StringComparison.Ordinal) : s.EndsWith(c, StringComparison.Ordinal));
    }

    /// <summary>Python's str.title: a letter is upper-cased when the character before it is not a letter.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            bool cased = char.IsLetter(c);
            sb.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }
        return sb.ToString();
    }

    public static string Replace(string s, string old, string replacement, long count, RenderBudget budget)
    {
        if (count < 0 && old.Length > 0)
        {
            long occurrences = CountOccurrences(s, old);
            budget.ChargeString(s.Length + (occurrences * (replacement.Length - old.Length)));
            return s.Replace(old, replacement, StringComparison.Ordinal);
        }
        var sb = new StringBuilder();
        int pos = 0;
        long done = 0;
        while ((count < 0 || done < count) && pos <= s.Length)
        {
            int at = old.Length == 0 ? pos : s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0)
                break;
            sb.Append(s, pos, at - pos).Append(replacement);
            if (old.Length == 0)
            {
                if (at < s.Length)
                    sb.Append(s[at]);
                pos = at + 1;
            }
            else
            {
                pos = at + old.Length;
            }
            done++;
            budget.ChargeString(sb.Length);
        }
        if (pos < s.Length)
            sb.Append(s, pos, s.Length - pos);
        budget.ChargeString(sb.Length);
        return sb.ToString();
    }

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0)
            return s.Length + 1;
        int count = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>Python's str.center, which puts the odd space on the left only when the width is odd.</summary>
    public static string Center(string s, int width)
    {
        int margin = width - s.Length;
        if (margin <= 0)
            return s;
        int left = (margin / 2) + (margin & width & 1);
        return new string(' ', left) + s + new string(' ', margin - left);
    }

    private static string Pad(string s, CallArgs args, RenderBudget budget, Func<string, int, string> pad)
    {
        long width = args.GetInteger(0, "width") ?? throw new TemplateException("Missing argument 'width'");
        budget.ChargeString(width);
        return width <= s.Length ? s : pad(s, (int)width);
    }

    /// <summary>str.format with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (format specs are ignored).</summary>
    private static string FormatBraces(string format, CallArgs args, RenderBudget budget)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if ((c == '{' || c == '}') && i + 1 < format.Length && format[i + 1] == c)
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (c != '{')
            {
                sb.Append(c);
                continue;
            }
            int close = format.IndexOf('}', i);
            if (close < 0)
                throw new TemplateException("Single '{' encountered in format string");
            string field = format[(i + 1)..close];
            int colon = field.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
                field = field[..colon];
            object? value = field.Length == 0 ? args.Get(auto++, "")
                : int.TryParse(field, out int index) ? args.Get(index, "")
                : args.Named.TryGetValue(field, out var named) ? named
                : throw new TemplateException($"Format field '{field}' has no argument");
            sb.Append(PyText.Str(value, budget));
            budget.ChargeString(sb.Length);
            i = close;
        }
        return sb.ToString();
    }
}
