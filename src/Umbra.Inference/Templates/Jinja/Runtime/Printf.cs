using System.Globalization;
using System.Text;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// The common part of Python's <c>%</c> string formatting (<c>"%s: %d" % (a, b)</c>, the <c>format</c> filter):
/// <c>%s %r %d %i %f %%</c> with optional flags, width and precision, and <c>%(name)s</c> with a dict.
/// </summary>
internal static class Printf
{
    public static string Format(string format, object? args, RenderBudget budget)
    {
        var positional = args switch
        {
            object?[] tuple => tuple,
            _ => (IReadOnlyList<object?>)[args],
        };
        var named = args as JinjaDict;
        var sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= format.Length)
                throw new TemplateException("Incomplete format: '%' at the end of the string");
            if (format[i] == '%')
            {
                sb.Append('%');
                continue;
            }

            object? value;
            if (format[i] == '(')
            {
                int close = format.IndexOf(')', i);
                if (close < 0 || named == null)
                    throw new TemplateException("A '%(name)' format needs a dict argument");
                value = named.TryGet(format[(i + 1)..close], out var v) ? v : throw new TemplateException($"Format key '{format[(i + 1)..close]}' not found");
                i = close + 1;
            }
            else
            {
                value = next < positional.Count ? positional[next++] : throw new TemplateException("Not enough arguments for format string");
            }

            int specStart = i;
            while (i < format.Length && "-+ 0#".Contains(format[i], StringComparison.Ordinal))
                i++;
            string flags = format[specStart..i];
            int width = ReadNumber(format, ref i);
            int precision = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i);
            }
            if (i >= format.Length)
                throw new TemplateException("Incomplete format specifier");

            string text = format[i] switch
            {
                's' => Truncate(PyText.Str(value, budget), precision),
                'r' => Truncate(value is string s ? PyText.QuoteString(s) : PyText.Str(value, budget), precision),
                'd' or 'i' => PyOps.FormatInteger(value switch
                {
                    long l => l,
                    bool b => b ? 1 : 0,
                    double d when Math.Abs(d) < 9.0e18 => (long)Math.Truncate(d),
                    _ => throw new TemplateException($"%{format[i]} format needs a number, not '{PyOps.TypeName(value)}'"),
                }),
                'f' or 'F' => PyOps.ToDouble(value).ToString("F" + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
                var other => throw new TemplateException($"Unsupported format character '{other}'"),
            };
            if (flags.Contains('+', StringComparison.Ordinal) && format[i] is 'd' or 'i' or 'f' or 'F' && !text.StartsWith('-'))
                text = "+" + text;
            bool left = flags.Contains('-', StringComparison.Ordinal);
            char pad = flags.Contains('0', StringComparison.Ordinal) && !left && format[i] != 's' ? '0' : ' ';
            sb.Append(width > text.Length ? (left ? text.PadRight(width) : text.PadLeft(width, pad)) : text);
            budget.ChargeString(sb.Length);
        }
        if (next < positional.Count && named == null && args is object?[])
            throw new TemplateException("Not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static int ReadNumber(string format, ref int i)
    {
        int value = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
            value = Math.Min(10_000, (value * 10) + (format[i++] - '0'));
        return value;
    }

    private static string Truncate(string text, int precision) =>
        precision >= 0 && precision < text.Length ? text[..precision] : text;
}
