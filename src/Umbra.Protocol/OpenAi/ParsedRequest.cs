namespace Umbra.Protocol.OpenAi;

/// <summary>A validated chat or completion request.</summary>
public sealed record ParsedRequest
{
    public required string Model { get; init; }
    public IReadOnlyList<OpenAiMessage>? Messages { get; init; }
    public string? Prompt { get; init; }
    public int? MaxTokens { get; init; }
    public OpenAiSampling Sampling { get; init; } = new();
    public IReadOnlyList<string> Stop { get; init; } = [];
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
}
