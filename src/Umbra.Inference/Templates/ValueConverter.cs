using System.Collections;
using System.Text.Json;
using Umbra.Inference.Templates.Jinja.Runtime;

namespace Umbra.Inference.Templates;

/// <summary>Turns the caller's .NET values (strings, numbers, dictionaries, lists, <see cref="JsonElement"/>) into template values.</summary>
internal static class ValueConverter
{
    private const int MaxDepth = 64;

    public static object? FromDotNet(object? value, string name, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"Template variable '{name}' nests more than {MaxDepth} levels deep", nameof(value));
        switch (value)
        {
            case null: return null;
            case string or bool or long or double: return value;
            case int or short or sbyte or byte or ushort or uint: return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            case ulong u: return u <= long.MaxValue ? (long)u : (object)(double)u;
            case float f: return (double)f;
            case decimal m: return (double)m;
            case JsonElement json: return FromJson(json, name, depth);
            case ChatMessage message: return Message(message);
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                var dict = new JinjaDict();
                foreach (var (key, item) in pairs)
                    dict.Put(key, FromDotNet(item, name, depth + 1));
                return dict;
            case IDictionary map:
                var converted = new JinjaDict();
                foreach (DictionaryEntry entry in map)
                    converted.Put(entry.Key.ToString(), FromDotNet(entry.Value, name, depth + 1));
                return converted;
            case IEnumerable items:
                var list = new List<object?>();
                foreach (var item in items)
                    list.Add(FromDotNet(item, name, depth + 1));
                return list;
            default:
                throw new ArgumentException($"Template variable '{name}' holds a {value.GetType().Name}, which a chat template cannot use; pass strings, numbers, booleans, dictionaries, lists or JsonElement", nameof(value));
        }
    }

    public static JinjaDict Message(ChatMessage message)
    {
        var dict = new JinjaDict(2);
        dict.Put("role", message.Role);
        dict.Put("content", message.Content);
        return dict;
    }

    private static object? FromJson(JsonElement json, string name, int depth)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new JinjaDict();
                foreach (var property in json.EnumerateObject())
                    dict.Put(property.Name, FromDotNet(property.Value, name, depth + 1));
                return dict;
            case JsonValueKind.Array:
                return json.EnumerateArray().Select(e => FromDotNet(e, name, depth + 1)).ToList();
            case JsonValueKind.String:
                return json.GetString();
            case JsonValueKind.Number:
                return json.TryGetInt64(out long l) ? l : (object)json.GetDouble(); // without the cast ints would widen to double
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
