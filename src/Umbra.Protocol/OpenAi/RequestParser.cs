using System.Text.Json;

namespace Umbra.Protocol.OpenAi;

/// <summary>
/// Reads chat and completion requests from JSON with OpenAI's rules, naming the parameter at fault in
/// every error. Unknown fields are ignored, as clients send many that do not apply here.
/// </summary>
public static class RequestParser
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    public static ParsedRequest ParseChat(JsonElement root)
    {
        var common = ParseCommon(root);
        if (!root.TryGetProperty("messages", out var messages))
            throw new ApiException(400, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        if (messages.ValueKind != JsonValueKind.Array)
            throw TypeError("messages", "an array", messages);
        if (messages.GetArrayLength() == 0)
            throw new ApiException(400, "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages", "empty_array");
        var list = new List<OpenAiMessage>();
        int i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            list.Add(ParseMessage(m, $"messages[{i}]"));
            i++;
        }
        return common with { Messages = list };
    }

    public static ParsedRequest ParseCompletion(JsonElement root)
    {
        var common = ParseCommon(root);
        if (!root.TryGetProperty("prompt", out var prompt))
            throw new ApiException(400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
        string text = prompt.ValueKind switch
        {
            JsonValueKind.String => prompt.GetString()!,
            JsonValueKind.Array when prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String => prompt[0].GetString()!,
            JsonValueKind.Array => throw ApiException.BadParam("prompt", "Only a single prompt string is supported (an array must hold exactly one string)."),
            _ => throw TypeError("prompt", "a string", prompt),
        };
        if (text.Length == 0)
            throw ApiException.BadParam("prompt", "'prompt' must not be empty.");
        return common with { Prompt = text };
    }

    private static ParsedRequest ParseCommon(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new ApiException(400, "The request body must be a JSON object.", null, "invalid_json");
        if (!root.TryGetProperty("model", out var model))
            throw new ApiException(400, "Missing required parameter: 'model'.", "model", "missing_required_parameter");
        if (model.ValueKind != JsonValueKind.String)
            throw TypeError("model", "a string", model);

        int? maxTokens = Int(root, "max_completion_tokens", 1, int.MaxValue) ?? Int(root, "max_tokens", 1, int.MaxValue);
        int? n = Int(root, "n", 1, 128);
        if (n is > 1)
            throw ApiException.BadParam("n", "Only n = 1 is supported.");
        if (Bool(root, "logprobs") == true)
            throw ApiException.BadParam("logprobs", "logprobs are not supported.");
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
            throw ApiException.BadParam("tools", "Tool calling is not supported by the built-in engine.");
        if (root.TryGetProperty("response_format", out var fmt) && fmt.ValueKind == JsonValueKind.Object &&
            fmt.TryGetProperty("type", out var ft) && ft.ValueKind == JsonValueKind.String && ft.GetString() != "text")
            throw ApiException.BadParam("response_format", $"response_format '{ft.GetString()}' is not supported; only 'text'.");

        var sampling = new OpenAiSampling
        {
            Temperature = Float(root, "temperature", 0, 2) ?? 1f,
            TopP = Float(root, "top_p", 0, 1) ?? 1f,
            TopK = Int(root, "top_k", 0, int.MaxValue) ?? 0,
            MinP = Float(root, "min_p", 0, 1) ?? 0f,
            RepetitionPenalty = Float(root, "repetition_penalty", 0.01f, 10) ?? 1f,
            FrequencyPenalty = Float(root, "frequency_penalty", -2, 2) ?? 0f,
            PresencePenalty = Float(root, "presence_penalty", -2, 2) ?? 0f,
            Seed = Seed(root),
        };

        bool includeUsage = false;
        if (root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object)
            includeUsage = Bool(so, "include_usage") ?? false;

        return new ParsedRequest
        {
            Model = model.GetString()!,
            MaxTokens = maxTokens,
            Sampling = sampling,
            Stop = Stops(root),
            Stream = Bool(root, "stream") ?? false,
            IncludeUsage = includeUsage,
        };
    }

    private static OpenAiMessage ParseMessage(JsonElement m, string path)
    {
        if (m.ValueKind != JsonValueKind.Object)
            throw TypeError(path, "an object", m);
        if (!m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            throw new ApiException(400, $"Missing required parameter: '{path}.role'.", $"{path}.role", "missing_required_parameter");
        string r = role.GetString()!;
        if (!Roles.Contains(r))
            throw ApiException.BadParam($"{path}.role", $"Invalid value: '{r}'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
        string content = "";
        if (m.TryGetProperty("content", out var c))
        {
            content = c.ValueKind switch
            {
                JsonValueKind.String => c.GetString()!,
                JsonValueKind.Null when r == "assistant" => "",
                JsonValueKind.Array => ContentParts(c, $"{path}.content"),
                _ => throw TypeError($"{path}.content", "a string or an array of content parts", c),
            };
        }
        else if (r != "assistant")
        {
            throw new ApiException(400, $"Missing required parameter: '{path}.content'.", $"{path}.content", "missing_required_parameter");
        }
        return new OpenAiMessage(r == "developer" ? "system" : r, content);
    }

    private static string ContentParts(JsonElement parts, string path)
    {
        var text = new System.Text.StringBuilder();
        int i = 0;
        foreach (var p in parts.EnumerateArray())
        {
            string at = $"{path}[{i++}]";
            if (p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.BadParam(at, $"Invalid content part at '{at}': expected an object with a 'type'.");
            if (type.GetString() != "text")
                throw ApiException.BadParam($"{at}.type", $"Content parts of type '{type.GetString()}' are not supported; only 'text'.");
            if (!p.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw new ApiException(400, $"Missing required parameter: '{at}.text'.", $"{at}.text", "missing_required_parameter");
            text.Append(t.GetString());
        }
        return text.ToString();
    }

    private static List<string> Stops(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return [];
        if (stop.ValueKind == JsonValueKind.String)
            return stop.GetString()!.Length == 0 ? [] : [stop.GetString()!];
        if (stop.ValueKind != JsonValueKind.Array) throw TypeError("stop", "a string or an array of strings", stop);
        if (stop.GetArrayLength() > 4) throw ApiException.BadParam("stop", "At most 4 stop sequences are allowed.");
        var list = new List<string>();
        foreach (var s in stop.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String) throw TypeError("stop", "an array of strings", s);
            if (s.GetString()!.Length > 0) list.Add(s.GetString()!);
        }
        return list;
    }

    private static ulong? Seed(JsonElement root)
    {
        if (!root.TryGetProperty("seed", out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number) throw TypeError("seed", "an integer", v);
        if (v.TryGetInt64(out long l)) return unchecked((ulong)l);
        if (v.TryGetUInt64(out ulong u)) return u;
        throw ApiException.BadParam("seed", "'seed' must be an integer.");
    }

    private static int? Int(JsonElement root, string name, int min, int max)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long l))
            throw TypeError(name, "an integer", v);
        if (l < min || l > max)
            throw ApiException.BadParam(name, $"Invalid '{name}': {l}. Expected a value >= {min}{(max < int.MaxValue ? $" and <= {max}" : "")}.");
        return (int)l;
    }

    private static float? Float(JsonElement root, string name, float min, float max)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number) throw TypeError(name, "a number", v);
        double d = v.GetDouble();
        if (!double.IsFinite(d) || d < min || d > max)
            throw ApiException.BadParam(name, $"Invalid '{name}': {v.GetRawText()}. Expected a value between {min} and {max}.");
        return (float)d;
    }

    private static bool? Bool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw TypeError(name, "a boolean", v),
        };
    }

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
