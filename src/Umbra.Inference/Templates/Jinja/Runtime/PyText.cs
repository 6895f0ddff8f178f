using System.Globalization;
using System.Text;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c>, which is what <c>{{ value }}</c>, <c>~</c> and the <c>string</c>
/// filter produce: <c>None</c>, <c>True</c>, <c>1.0</c>, <c>['a', 'b']</c>, <c>{'k': 1}</c>.
/// </summary>
internal static class PyText
{
    public static string Str(object? value, RenderBudget budget) => value switch
    {
        string s => s,
        Undefined => "",
        null => "None",
        bool b => b ? "True" : "False",
        long l => PyOps.FormatInteger(l),
        double d => FormatFloat(d),
        _ => Build(value, budget),
    };

    /// <summary>repr() of a scalar, for error messages.</summary>
    public static string Repr(object? value) => value switch
    {
        string s => QuoteString(s),
        _ => Str(value, new RenderBudget(TemplateLimits.Default)),
    };

    private static string Build(object? value, RenderBudget budget)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, budget, 0);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, RenderBudget budget, int depth)
    {
        budget.CheckValueDepth(depth);
        budget.Step();
        if (sb.Length > budget.Limits.MaxOutputLength)
            budget.ChargeString(sb.Length);
        switch (value)
        {
            case string s:
                sb.Append(QuoteString(s));
                break;
            case List<object?> list:
                sb.Append('[');
                AppendItems(sb, list, budget, depth);
                sb.Append(']');
                break;
            case object?[] tuple:
                sb.Append('(');
                AppendItems(sb, tuple, budget, depth);
                sb.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case JinjaDict dict:
                sb.Append('{');
                bool first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first)
                        sb.Append(", ");
                    first = false;
                    AppendRepr(sb, key, budget, depth + 1);
                    sb.Append(": ");
                    AppendRepr(sb, item, budget, depth + 1);
                }
                sb.Append('}');
                break;
            case JinjaNamespace ns:
                sb.Append("<Namespace {");
                bool firstAttribute = true;
                foreach (var (key, item) in ns.Attributes)
                {
                    if (!firstAttribute)
                        sb.Append(", ");
                    firstAttribute = false;
                    sb.Append(QuoteString(key)).Append(": ");
                    AppendRepr(sb, item, budget, depth + 1);
                }
                sb.Append("}>");
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case Macro macro:
                sb.Append("<Macro '").Append(macro.Definition.Name).Append("'>");
                break;
            case BuiltinFunction function:
                sb.Append("<built-in function ").Append(function.Name).Append('>');
                break;
            case BoundMethod method:
                sb.Append("<built-in method ").Append(method.Name).Append(" of ").Append(PyOps.TypeName(method.Target)).Append(" object>");
                break;
            case LoopContext:
                sb.Append("<LoopContext>");
                break;
            default:
                sb.Append(Str(value, budget));
                break;
        }
    }

    private static void AppendItems(StringBuilder sb, IReadOnlyList<object?> items, RenderBudget budget, int depth)
    {
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
                sb.Append(", ");
            AppendRepr(sb, items[i], budget, depth + 1);
        }
    }

    /// <summary>Python's string repr: single quotes unless the text has a single quote and no double quote.</summary>
    public static string QuoteString(string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote)
                        sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f)
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>
    /// Python's float repr: the shortest digits that round-trip, in positional notation when the decimal
    /// exponent is in [-4, 16) and scientific otherwise, always with a '.0' or an exponent.
    /// </summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
            return "nan";
        if (double.IsInfinity(value))
            return value > 0 ? "inf" : "-inf";

        string sign = double.IsNegative(value) ? "-" : "";
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int exponent = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.', StringComparison.Ordinal);
        string digits = dot >= 0 ? r.Remove(dot, 1) : r;
        int point = (dot >= 0 ? dot : r.Length) + exponent;

        int leading = 0;
        while (leading < digits.Length && digits[leading] == '0')
            leading++;
        digits = digits[leading..].TrimEnd('0');
        point -= leading;
        if (digits.Length == 0)
            return sign + "0.0";

        int scientific = point - 1;
        if (scientific is >= -4 and < 16)
        {
            if (point <= 0)
                return sign + "0." + new string('0', -point) + digits;
            if (point >= digits.Length)
                return sign + digits + new string('0', point - digits.Length) + ".0";
            return sign + digits[..point] + "." + digits[point..];
        }
        string mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        return sign + mantissa + "e" + (scientific < 0 ? "-" : "+") + Math.Abs(scientific).ToString("00", CultureInfo.InvariantCulture);
    }
}
