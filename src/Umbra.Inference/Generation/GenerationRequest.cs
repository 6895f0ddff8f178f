using Umbra.Inference.Sampling;

namespace Umbra.Inference.Generation;

/// <summary>What to generate: a tokenized prompt and the rules for continuing it.</summary>
public sealed record GenerationRequest
{
    public required IReadOnlyList<int> PromptTokens { get; init; }

    /// <summary>Most tokens to generate; null means until the context is full.</summary>
    public int? MaxTokens { get; init; }

    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Up to four strings that end generation; they are not part of the output.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Keep generating past end-of-generation tokens (for benchmarks).</summary>
    public bool IgnoreEndOfGeneration { get; init; }
}
