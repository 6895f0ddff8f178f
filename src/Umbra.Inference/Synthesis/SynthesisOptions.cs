using Umbra.Inference.Tensors;

namespace Umbra.Inference.Synthesis;

/// <summary>What <see cref="ModelSynthesizer"/> writes.</summary>
public sealed record SynthesisOptions
{
    public required ModelShape Shape { get; init; }

    /// <summary>Type of the large matrices; norms stay F32. Tensors whose rows do not fit the type's blocks fall back to Q8_0 or F16.</summary>
    public GgmlType WeightType { get; init; } = GgmlType.F16;

    public ulong Seed { get; init; } = 42;

    /// <summary>Supplies a tensor's values (ggml order, row-major) instead of random ones; return null to use random.</summary>
    public Func<string, long[], float[]?>? Weights { get; init; }
}
