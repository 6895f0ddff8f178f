using System.Buffers;
using System.Text;
using System.Text.Json;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api.Responses;

/// <summary>
/// Reads a <c>POST /v1/responses</c> body with OpenAI's rules (errors name the Responses parameter at fault) and
/// writes the equivalent chat.completions request, which is what providers serve.
/// </summary>
internal static class ResponsesTranslator
{
    private static readonly HashSet<string> Roles = ["user", "assistant", "system", "developer"];

    public static ResponsesRequest Translate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new ApiException(400, "The request body must be a JSON object.", null, "invalid_json");
        if (!root.TryGetProperty("model", out var model))
            throw Missing("model");
        if (model.ValueKind != JsonValueKind.String)
            throw TypeError("model", "a string", model);
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
            throw ApiException.BadParam("tools", "Tools are not supported on /v1/responses; send text input only.");
        if (Present(root, "previous_response_id"))
            throw ApiException.BadParam("previous_response_id", "Responses are not stored here, so 'previous_response_id' is not supported; send the whole conversation in 'input'.");
        if (Present(root, "conversation"))
            throw ApiException.BadParam("conversation", "Conversations are not stored here, so 'conversation' is not supported; send the whole conversation in 'input'.");
        if (root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.Object
            && text.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object
            && format.TryGetProperty("type", out var formatType) && formatType.ValueKind == JsonValueKind.String && formatType.GetString() != "text")
            throw ApiException.BadParam("text.format", $"text.format '{formatType.GetString()}' is not supported; only 'text'.");

        string? instructions = null;
        if (root.TryGetProperty("instructions", out var ins) && ins.ValueKind != JsonValueKind.Null)
            instructions = ins.ValueKind == JsonValueKind.String ? ins.GetString() : throw TypeError("instructions", "a string", ins);
        var maxOutputTokens = MaxOutputTokens(root);
        var stream = false;
        if (root.TryGetProperty("stream", out var s) && s.ValueKind != JsonValueKind.Null)
            stream = s.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw TypeError("stream", "a boolean", s),
            };

        var messages = new List<OpenAiMessage>();
        if (!string.IsNullOrEmpty(instructions))
            messages.Add(new OpenAiMessage("system", instructions));
        if (!root.TryGetProperty("input", out var input))
            throw Missing("input");
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                messages.Add(new OpenAiMessage("user", input.GetString()!));
                break;
            case JsonValueKind.Array when input.GetArrayLength() == 0:
                throw new ApiException(400, "Invalid 'input': empty array. Expected an array with minimum length 1.", "input", "empty_array");
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in input.EnumerateArray())
                    messages.Add(Item(item, $"input[{i++}]"));
                break;
            default:
                throw TypeError("input", "a string or an array of input items", input);
        }

        var body = ChatBody(root, model.GetString()!, messages, maxOutputTokens, stream);
        using var document = JsonDocument.Parse(body);
        return new ResponsesRequest(body, RequestParser.ParseChat(document.RootElement), instructions, maxOutputTokens);
    }

    private static OpenAiMessage Item(JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw TypeError(path, "an object", item);
        if (item.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.Null)
        {
            if (type.ValueKind != JsonValueKind.String)
                throw TypeError($"{path}.type", "a string", type);
            if (type.GetString() != "message")
                throw ApiException.BadParam($"{path}.type", $"Input items of type '{type.GetString()}' are not supported; only 'message'.");
        }
        if (!item.TryGetProperty("role", out var role))
            throw Missing($"{path}.role");
        if (role.ValueKind != JsonValueKind.String)
            throw TypeError($"{path}.role", "a string", role);
        var r = role.GetString()!;
        if (!Roles.Contains(r))
            throw ApiException.BadParam($"{path}.role", $"Invalid value: '{r}'. Supported values are: 'user', 'assistant', 'system' and 'developer'.");
        if (!item.TryGetProperty("content", out var content))
            throw Missing($"{path}.content");
        var text = content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => Parts(content, $"{path}.content"),
            _ => throw TypeError($"{path}.content", "a string or an array of content parts", content),
        };
        return new OpenAiMessage(r == "developer" ? "system" : r, text);
    }

    private static string Parts(JsonElement parts, string path)
    {
        var text = new StringBuilder();
        var i = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var at = $"{path}[{i++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.BadParam(at, $"Invalid content part at '{at}': expected an object with a 'type'.");
            if (type.GetString() is not ("input_text" or "output_text"))
                throw ApiException.BadParam($"{at}.type", $"Content parts of type '{type.GetString()}' are not supported; only 'input_text' and 'output_text'.");
            if (!part.TryGetProperty("text", out var t))
                throw Missing($"{at}.text");
            if (t.ValueKind != JsonValueKind.String)
                throw TypeError($"{at}.text", "a string", t);
            text.Append(t.GetString());
        }
        return text.ToString();
    }

    private static byte[] ChatBody(JsonElement root, string model, List<OpenAiMessage> messages, int? maxTokens, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = OpenAiJson.Context.Options.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteStartArray("messages");
            foreach (var m in messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Content);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (maxTokens is { } max)
                w.WriteNumber("max_tokens", max);
            // Same names and ranges in both APIs: the chat parser checks them.
            foreach (var name in (string[])["temperature", "top_p"])
            {
                if (root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null)
                {
                    w.WritePropertyName(name);
                    v.WriteTo(w);
                }
            }
            w.WriteBoolean("stream", stream);
            if (stream)
            {
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static int? MaxOutputTokens(JsonElement root)
    {
        if (!root.TryGetProperty("max_output_tokens", out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var l))
            throw TypeError("max_output_tokens", "an integer", v);
        if (l < 1 || l > int.MaxValue)
            throw ApiException.BadParam("max_output_tokens", $"Invalid 'max_output_tokens': {l}. Expected a value >= 1.");
        return (int)l;
    }

    private static bool Present(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    private static ApiException Missing(string name) =>
        new(400, $"Missing required parameter: '{name}'.", name, "missing_required_parameter");

    private static ApiException TypeError(string name, string expected, JsonElement got) =>
        new(400, $"Invalid type for '{name}': expected {expected}, but got {Describe(got.ValueKind)} instead.", name, "invalid_type");

    private static string Describe(JsonValueKind k) => k switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
