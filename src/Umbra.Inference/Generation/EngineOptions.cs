using Umbra.Inference.Model;

namespace Umbra.Inference.Generation;

/// <summary>How a <see cref="TextGenerator"/> shares the model between concurrent requests.</summary>
public sealed record EngineOptions
{
    /// <summary>
    /// Tokens the KV cache holds across all sequences, allocated once (default: one context length, the memory
    /// a single sequence needs). A request reserves its prompt plus max_tokens; more budget, more concurrency.
    /// </summary>
    public int? TokenBudget { get; init; }

    /// <summary>
    /// How the KV cache stores keys and values: binary16 by default (half the memory of F32 per token, and half
    /// what attention reads), or F32 to keep them exactly as computed.
    /// </summary>
    public KvCacheType KvCacheType { get; init; } = KvCacheType.F16;

    /// <summary>Most sequences evaluated together in one step.</summary>
    public int MaxSequences { get; init; } = 16;

    /// <summary>Most tokens in one forward pass: every running sequence's next token, then prompt chunks.</summary>
    public int StepTokens { get; init; } = 128;

    /// <summary>Requests admitted to the queue beyond the running ones; further callers wait for room.</summary>
    public int MaxWaiting { get; init; } = 64;

    internal void Validate()
    {
        if (TokenBudget is int b && b < 1) throw new ArgumentException($"TokenBudget must be at least 1; got {b}.");
        if (MaxSequences < 1) throw new ArgumentException($"MaxSequences must be at least 1; got {MaxSequences}.");
        if (StepTokens < MaxSequences) throw new ArgumentException($"StepTokens ({StepTokens}) must be at least MaxSequences ({MaxSequences}).");
        if (!Enum.IsDefined(KvCacheType)) throw new ArgumentException($"KvCacheType must be F16 or F32; got {KvCacheType}.");
        if (MaxWaiting < 0) throw new ArgumentException($"MaxWaiting must not be negative; got {MaxWaiting}.");
    }
}
