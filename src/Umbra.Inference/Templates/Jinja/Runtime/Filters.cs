using System.Globalization;
using System.Text;

// Filters are stored as FilterFunction delegates returning object?, so each keeps that return type rather than
// the narrower one CA1859 suggests (value-typed returns could not bind to the delegate at all).
#pragma warning disable CA1859

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Jinja's built-in filters that chat templates use, with Hugging Face's <c>tojson</c>. Text and number
/// filters are here; filters over collections are in Filters.Collections.cs.
/// </summary>
internal static partial class Filters
{
    private delegate object? FilterFunction(object? value, CallArgs args, RenderBudget budget);

    private static readonly Dictionary<string, FilterFunction> All = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a, b) => Methods.Strip(Text(v, b), a.Expect("trim", 1, "chars").GetString(0, "chars"), true, true),
        ["upper"] = (v, _, b) => Text(v, b).ToUpperInvariant(),
        ["lower"] = (v, _, b) => Text(v, b).ToLowerInvariant(),
        ["capitalize"] = (v, _, b) => Text(v, b) is { Length: > 0 } s ? char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant() : "",
        ["title"] = (v, _, b) => Title(Text(v, b)),
        ["replace"] = Replace,
        ["string"] = (v, _, b) => Text(v, b),
        ["safe"] = (v, _, b) => b.MarkSafe(Text(v, b)),
        ["escape"] = (v, _, b) => v is string s && b.IsSafe(s) ? s : b.MarkSafe(Escape(Text(v, b))),
        ["e"] = (v, _, b) => v is string s && b.IsSafe(s) ? s : b.MarkSafe(Escape(Text(v, b))),
        ["forceescape"] = (v, _, b) => b.MarkSafe(Escape(Text(v, b))),
        ["indent"] = Indent,
        ["format"] = (v, a, b) => Printf.Format(Text(v, b), a.Named.Count > 0 ? ToDict(a.Named) : a.Positional.ToArray(), b),
        ["wordcount"] = (v, _, b) => (long)Text(v, b).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length,
        ["center"] = (v, a, b) => Center(Text(v, b), a.GetInteger(0, "width") ?? 80, b),
        ["int"] = ToInteger,
        ["float"] = ToFloat,
        ["abs"] = Abs,
        ["round"] = Round,
        ["tojson"] = (v, a, b) => JsonText.Serialize(v, b, a),
        ["default"] = Default,
        ["d"] = Default,
        ["length"] = Length,
        ["count"] = Length,
        ["first"] = First,
        ["last"] = Last,
        ["join"] = Join,
        ["list"] = (v, _, b) => new List<object?>(PyOps.Iterate(v, b)),
        ["items"] = Items,
        ["dictsort"] = DictSort,
        ["select"] = (v, a, b) => Select(v, a, b, attribute: false, keep: true),
        ["reject"] = (v, a, b) => Select(v, a, b, attribute: false, keep: false),
        ["selectattr"] = (v, a, b) => Select(v, a, b, attribute: true, keep: true),
        ["rejectattr"] = (v, a, b) => Select(v, a, b, attribute: true, keep: false),
        ["map"] = Map,
        ["unique"] = Unique,
        ["reverse"] = Reverse,
        ["sort"] = Sort,
        ["sum"] = Sum,
        ["min"] = (v, a, b) => Extreme(v, a, b, smallest: true),
        ["max"] = (v, a, b) => Extreme(v, a, b, smallest: false),
        ["attr"] = (v, a, _) => Attribute(v, a.GetString(0, "name") ?? throw new TemplateException("attr() needs a name")),
    };

    public static bool Exists(string name) => All.ContainsKey(name);

    public static object? Apply(string name, object? value, CallArgs args, RenderBudget budget)
    {
        if (!All.TryGetValue(name, out var filter))
            throw new TemplateException($"No filter named '{name}'");
        return budget.ChargeResult(filter(value, args, budget));
    }

    private static string Text(object? value, RenderBudget budget) => PyText.Str(value, budget);

    private static JinjaDict ToDict(IReadOnlyDictionary<string, object?> named)
    {
        var dict = new JinjaDict(named.Count);
        foreach (var (key, value) in named)
            dict.Put(key, value);
        return dict;
    }

    // Jinja's title filter capitalises after whitespace, '-', and opening brackets.
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool wordStart = true;
        foreach (char c in s)
        {
            sb.Append(wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
        }
        return sb.ToString();
    }

    private static object? Replace(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("replace", 3, "old", "new", "count");
        string old = args.GetString(0, "old") ?? throw new TemplateException("replace() needs the text to replace");
        string replacement = args.GetString(1, "new") ?? throw new TemplateException("replace() needs the replacement text");
        return Methods.Replace(Text(value, budget), old, replacement, args.GetInteger(2, "count") ?? -1, budget);
    }

    public static string Escape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&#34;", StringComparison.Ordinal)
            .Replace("'", "&#39;", StringComparison.Ordinal);

    private static object? Indent(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("indent", 3, "width", "first", "blank");
        string indentation = args.Get(0, "width", 4L) switch
        {
            string s => s,
            long n => new string(' ', (int)Math.Clamp(n, 0, 1024)),
            var other => throw new TemplateException($"indent() width must be an integer or a string, not '{PyOps.TypeName(other)}'"),
        };
        bool first = args.GetBool(1, "first", false);
        bool blank = args.GetBool(2, "blank", false);
        var lines = Text(value, budget).Split('\n');
        var sb = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            if (i > 0)
                sb.Append('\n');
            if ((i > 0 || first) && (blank || lines[i].Length > 0))
                sb.Append(indentation);
            sb.Append(lines[i]);
            budget.ChargeString(sb.Length);
        }
        return sb.ToString();
    }

    private static string Center(string s, long width, RenderBudget budget)
    {
        budget.ChargeString(width);
        return Methods.Center(s, (int)Math.Min(width, int.MaxValue));
    }

    private static object? ToInteger(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("int", 2, "default", "base");
        object? fallback = args.Get(0, "default", 0L);
        int radix = (int)(args.GetInteger(1, "base") ?? 10);
        switch (value)
        {
            case long or bool:
                return value is bool b ? (b ? 1L : 0L) : value;
            case double d:
                return double.IsFinite(d) && Math.Abs(d) < 9.0e18 ? (long)Math.Truncate(d) : fallback;
            case string s:
                s = s.Trim().Replace("_", "", StringComparison.Ordinal);
                if (radix == 10 && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
                    return parsed;
                if (radix == 16 && long.TryParse(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
                    return hex;
                if (radix == 10 && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double real) && double.IsFinite(real) && Math.Abs(real) < 9.0e18)
                    return (long)Math.Truncate(real);
                return fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? value, CallArgs args, RenderBudget budget) => value switch
    {
        double => value,
        long l => (double)l,
        bool b => b ? 1.0 : 0.0,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => args.Get(0, "default", 0.0),
    };

    private static object? Abs(object? value, CallArgs args, RenderBudget budget) => value switch
    {
        long l => l == long.MinValue ? throw new TemplateException("Integer overflow in abs") : (object)Math.Abs(l),
        double d => (object)Math.Abs(d),
        bool b => b ? 1L : 0L,
        Undefined u => throw u.Error(),
        _ => throw new TemplateException($"Bad operand type for abs(): '{PyOps.TypeName(value)}'"),
    };

    private static object? Round(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("round", 2, "precision", "method");
        int precision = (int)Math.Clamp(args.GetInteger(0, "precision") ?? 0, 0, 15);
        string method = args.GetString(1, "method", "common")!;
        if (method == "common" && value is long or bool)
            return value is bool b ? (b ? 1L : 0L) : value; // Python's round() keeps an int an int
        double number = PyOps.ToDouble(value);
        double factor = Math.Pow(10, precision);
        return method switch
        {
            "common" => PyRound.Round(number, precision),
            "ceil" => Math.Ceiling(number * factor) / factor,
            "floor" => Math.Floor(number * factor) / factor,
            _ => throw new TemplateException("round() method must be 'common', 'ceil' or 'floor'"),
        };
    }

    // attr() is getattr only: unlike obj.name it never falls back to a dict key.
    private static object? Attribute(object? value, string name) =>
        value is JinjaDict dict && !Methods.IsDictMethod(name) ? Undefined.Attribute(dict, name) : PyOps.GetAttribute(value, name);

    private static object? Default(object? value, CallArgs args, RenderBudget budget)
    {
        args.Expect("default", 2, "default_value", "boolean");
        bool boolean = args.GetBool(1, "boolean", false);
        return value is Undefined || (boolean && !PyOps.IsTrue(value)) ? args.Get(0, "default_value", "") : value;
    }
}
