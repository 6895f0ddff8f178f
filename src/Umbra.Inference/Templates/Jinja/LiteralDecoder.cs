using System.Globalization;
using System.Text;

namespace Umbra.Inference.Templates.Jinja;

/// <summary>Decodes string and number literals with Python's rules, which Jinja inherits.</summary>
internal static class LiteralDecoder
{
    /// <summary>Python's unicode-escape decoding: known escapes are replaced, unknown ones keep their backslash.</summary>
    public static string Unescape(string raw)
    {
        if (!raw.Contains('\\', StringComparison.Ordinal))
            return raw;
        var sb = new StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c != '\\' || i + 1 >= raw.Length)
            {
                sb.Append(c);
                continue;
            }
            char e = raw[++i];
            switch (e)
            {
                case '\n': break; // a backslash before a newline continues the line
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': AppendCodePoint(sb, ReadHex(raw, ref i, 2)); break;
                case 'u': AppendCodePoint(sb, ReadHex(raw, ref i, 4)); break;
                case 'U': AppendCodePoint(sb, ReadHex(raw, ref i, 8)); break;
                case 'N': throw new FormatException("Named Unicode escapes (\\N{...}) are not supported in string literals");
                case >= '0' and <= '7':
                    int value = e - '0';
                    for (int n = 0; n < 2 && i + 1 < raw.Length && raw[i + 1] is >= '0' and <= '7'; n++)
                        value = (value * 8) + (raw[++i] - '0');
                    AppendCodePoint(sb, value);
                    break;
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }
        return sb.ToString();
    }

    public static long? ParseInteger(string text) =>
        long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : null;

    public static double ParseFloat(string text) =>
        double.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static int ReadHex(string raw, ref int i, int digits)
    {
        if (i + digits >= raw.Length)
            throw new FormatException($"Truncated \\{raw[i]} escape in string literal");
        if (!int.TryParse(raw.AsSpan(i + 1, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
            throw new FormatException($"Invalid \\{raw[i]} escape in string literal");
        i += digits;
        return value;
    }

    private static void AppendCodePoint(StringBuilder sb, int codePoint)
    {
        if (codePoint is < 0 or > 0x10FFFF)
            throw new FormatException("Escape in string literal is outside the Unicode range");
        if (codePoint is >= 0xD800 and <= 0xDFFF)
            sb.Append((char)codePoint); // Python allows lone surrogates in strings; keep them as they are
        else
            sb.Append(char.ConvertFromUtf32(codePoint));
    }
}
