using System.Text.Encodings.Web;
using System.Text.Json;

namespace Umbra.Protocol.OpenAi;

/// <summary>
/// The serializer context for every wire type, writing text as OpenAI does: quotes, angle brackets and
/// non-ASCII characters as themselves rather than \u escapes (responses are JSON, never embedded in HTML).
/// </summary>
public static class OpenAiJson
{
    public static OpenAiJsonContext Context { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
