using System.Text.Json.Serialization;

namespace Umbra.Protocol.OpenAi;

public sealed record ModelObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    [JsonPropertyName("object")] public string Object => "model";
}

public sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelObject> Data)
{
    [JsonPropertyName("object")] public string Object => "list";
}

public sealed record Usage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens)
{
    [JsonPropertyName("total_tokens")] public int TotalTokens => PromptTokens + CompletionTokens;
}

public sealed record ChatMessageDto(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

public sealed record ChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] ChatMessageDto Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason)
{
    [JsonPropertyName("logprobs")] public object? Logprobs => null;
}

public sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] Usage Usage)
{
    [JsonPropertyName("object")] public string Object => "chat.completion";
}

public sealed record ChatDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

public sealed record ChatChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChatDelta Delta,
    [property: JsonPropertyName("finish_reason")] string? FinishReason)
{
    [JsonPropertyName("logprobs")] public object? Logprobs => null;
}

public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage)
{
    [JsonPropertyName("object")] public string Object => "chat.completion.chunk";
}

public sealed record CompletionChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("finish_reason")] string? FinishReason)
{
    [JsonPropertyName("logprobs")] public object? Logprobs => null;
}

public sealed record TextCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<CompletionChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage)
{
    [JsonPropertyName("object")] public string Object => "text_completion";
}
