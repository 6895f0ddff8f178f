using System.Text.Json.Serialization;

namespace Umbra.Protocol.OpenAi;

/// <summary>OpenAI's error body: {"error": {"message", "type", "param", "code"}}.</summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

public sealed record OpenAiErrorBody([property: JsonPropertyName("error")] OpenAiError Error);
