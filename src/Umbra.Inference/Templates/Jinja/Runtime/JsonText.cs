using System.Globalization;
using System.Text;

namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>
/// The <c>tojson</c> filter as Hugging Face defines it: Python's <c>json.dumps(value, ensure_ascii=False,
/// indent=indent, separators=separators, sort_keys=sort_keys)</c>. Keys keep insertion order, non-ASCII text
/// is written as is, and the separators are <c>", "</c> and <c>": "</c> (<c>","</c> between items when indenting).
/// </summary>
internal sealed class JsonText
{
    private readonly StringBuilder _sb = new();
    private readonly RenderBudget _budget;
    private readonly string? _indent;
    private readonly string _itemSeparator;
    private readonly string _keySeparator;
    private readonly bool _sortKeys;
    private readonly bool _ensureAscii;

    private JsonText(RenderBudget budget, string? indent, string? itemSeparator, string? keySeparator, bool sortKeys, bool ensureAscii)
    {
        _budget = budget;
        _indent = indent;
        _itemSeparator = itemSeparator ?? (indent == null ? ", " : ",");
        _keySeparator = keySeparator ?? ": ";
        _sortKeys = sortKeys;
        _ensureAscii = ensureAscii;
    }

    public static string Serialize(object? value, RenderBudget budget, CallArgs args)
    {
        args.Expect("tojson", 1, "indent", "separators", "sort_keys", "ensure_ascii");
        string? indent = args.Get(0, "indent") switch
        {
            null or Undefined => null,
            long n => new string(' ', (int)Math.Clamp(n, 0, 64)),
            string s => s,
            var other => throw new TemplateException($"tojson indent must be an integer or a string, not '{PyOps.TypeName(other)}'"),
        };
        string? itemSeparator = null, keySeparator = null;
        if (args.Get(-1, "separators") is List<object?> or object?[] && PyOps.AsList(args.Get(-1, "separators")) is [string item, string key])
        {
            itemSeparator = item;
            keySeparator = key;
        }
        var writer = new JsonText(budget, indent, itemSeparator, keySeparator, args.GetBool(-1, "sort_keys", false), args.GetBool(-1, "ensure_ascii", false));
        writer.Write(value, 0);
        budget.ChargeString(writer._sb.Length);
        return writer._sb.ToString();
    }

    private void Write(object? value, int depth)
    {
        _budget.CheckValueDepth(depth);
        _budget.Step();
        if (_sb.Length > _budget.Limits.MaxOutputLength)
            _budget.ChargeString(_sb.Length);
        switch (value)
        {
            case null:
                _sb.Append("null");
                break;
            case bool b:
                _sb.Append(b ? "true" : "false");
                break;
            case long l:
                _sb.Append(PyOps.FormatInteger(l));
                break;
            case double d:
                _sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyText.FormatFloat(d));
                break;
            case string s:
                WriteString(s);
                break;
            case List<object?> or object?[]:
                WriteArray(PyOps.AsList(value), depth);
                break;
            case JinjaDict dict:
                WriteObject(dict, depth);
                break;
            case Undefined u:
                throw new TemplateException($"Cannot convert an undefined value to JSON ({u.Hint ?? "undefined"})");
            default:
                throw new TemplateException($"Object of type '{PyOps.TypeName(value)}' is not JSON serializable");
        }
    }

    private void WriteArray(IReadOnlyList<object?> items, int depth)
    {
        if (items.Count == 0)
        {
            _sb.Append("[]");
            return;
        }
        _sb.Append('[');
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
                _sb.Append(_itemSeparator);
            NewLine(depth + 1);
            Write(items[i], depth + 1);
        }
        NewLine(depth);
        _sb.Append(']');
    }

    private void WriteObject(JinjaDict dict, int depth)
    {
        if (dict.Count == 0)
        {
            _sb.Append("{}");
            return;
        }
        IEnumerable<KeyValuePair<object, object?>> entries = dict;
        if (_sortKeys)
            entries = dict.OrderBy(e => KeyText(e.Key), StringComparer.Ordinal);
        _sb.Append('{');
        bool first = true;
        foreach (var (key, value) in entries)
        {
            if (!first)
                _sb.Append(_itemSeparator);
            first = false;
            NewLine(depth + 1);
            WriteString(KeyText(key));
            _sb.Append(_keySeparator);
            Write(value, depth + 1);
        }
        NewLine(depth);
        _sb.Append('}');
    }

    // Python converts non-string keys the way it writes them as values: 1 -> "1", 1.5 -> "1.5".
    private static string KeyText(object key) => key switch
    {
        string s => s,
        long l => PyOps.FormatInteger(l),
        double d => PyText.FormatFloat(d),
        _ => key.ToString() ?? "",
    };

    private void NewLine(int depth)
    {
        if (_indent == null)
            return;
        _sb.Append('\n');
        for (int i = 0; i < depth; i++)
            _sb.Append(_indent);
    }

    private void WriteString(string s)
    {
        _sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': _sb.Append("\\\""); break;
                case '\\': _sb.Append("\\\\"); break;
                case '\n': _sb.Append("\\n"); break;
                case '\r': _sb.Append("\\r"); break;
                case '\t': _sb.Append("\\t"); break;
                case '\b': _sb.Append("\\b"); break;
                case '\f': _sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (_ensureAscii && c > 0x7e))
                        _sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        _sb.Append(c);
                    break;
            }
        }
        _sb.Append('"');
    }
}
