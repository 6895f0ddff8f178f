using Umbra.Protocol.Attestation;

namespace Umbra.Provider.Hardening;

/// <summary>One hardening measure and whether it took effect.</summary>
public readonly record struct HardeningStep(string Name, bool Succeeded, string Detail)
{
    public override string ToString() => $"{Name}: {(Succeeded ? "ok" : "FAILED")} ({Detail})";
}

/// <summary>What <see cref="ProcessHardening.Apply"/> did, and the posture read right after it.</summary>
public sealed record HardeningReport(IReadOnlyList<HardeningStep> Steps, IReadOnlyList<PostureItem> Posture)
{
    /// <summary>Whether every measure attempted on this platform took effect.</summary>
    public bool AllSucceeded => Steps.All(s => s.Succeeded);

    /// <summary>A log line: the steps, then the posture. Holds no secrets.</summary>
    public override string ToString() => $"{string.Join("; ", Steps)} | {PostureProbe.Summarize(Posture)}";
}
