using System.Buffers.Text;
using System.Text.Json;

namespace Umbra.Client;

/// <summary>Lenient readers for JSON the coordinator or a user hands over: a missing or wrong-typed field is null, not a throw.</summary>
internal static class JsonText
{
    /// <summary>The string property <paramref name="name"/> of an object, or null.</summary>
    public static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Strict base64url, false instead of a throw.</summary>
    public static bool TryDecode(string base64Url, out byte[] bytes)
    {
        try
        {
            bytes = Base64Url.DecodeFromChars(base64Url);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
