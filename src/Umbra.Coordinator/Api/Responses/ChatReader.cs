using System.Text.Json;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api.Responses;

/// <summary>Reads the provider's opened chat.completions JSON (a whole completion or one stream chunk).</summary>
internal static class ChatReader
{
    public static ChatPiece Completion(ReadOnlySpan<byte> json) => Read(json, "message");

    public static ChatPiece Chunk(ReadOnlySpan<byte> json) => Read(json, "delta");

    private static ChatPiece Read(ReadOnlySpan<byte> json, string field)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new JsonException();
            string? text = null, finish = null;
            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
            {
                var choice = choices[0];
                if (choice.TryGetProperty(field, out var message) && message.ValueKind == JsonValueKind.Object
                    && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                    text = content.GetString();
                if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
                    finish = f.GetString();
            }
            int? prompt = null, completion = null;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                prompt = Int(usage, "prompt_tokens");
                completion = Int(usage, "completion_tokens");
            }
            return new ChatPiece(text, finish, prompt, completion);
        }
        catch (JsonException)
        {
            throw new ApiException(502, "The provider's response was not chat.completions JSON.", null, "bad_provider_response", "server_error");
        }
    }

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
