namespace Umbra.Protocol.Sealing;

/// <summary>The OpenAI-compatible endpoints a sealed request can be for, as the envelope's <c>"endpoint"</c> names them.</summary>
public static class RequestEndpoints
{
    /// <summary><c>/v1/chat/completions</c>.</summary>
    public const string ChatCompletions = "chat.completions";

    /// <summary><c>/v1/completions</c>.</summary>
    public const string Completions = "completions";

    /// <summary><c>/v1/responses</c>.</summary>
    public const string Responses = "responses";

    public static IReadOnlyList<string> All { get; } = [ChatCompletions, Completions, Responses];

    public static bool IsKnown(string? endpoint) => endpoint is ChatCompletions or Completions or Responses;
}
