using System.Security.Cryptography.X509Certificates;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// What a kind-specific evidence check found: whether it passed, what it says, the level it supports without a
/// rooted chain, and the certificate chain (if any) that would lift it to <see cref="TrustLevel.HardwareCertified"/>.
/// </summary>
internal sealed class EvidenceOutcome : IDisposable
{
    private EvidenceOutcome(bool passed, string detail, TrustLevel level)
    {
        Passed = passed;
        Detail = detail;
        Level = level;
    }

    public bool Passed { get; }

    public string Detail { get; }

    /// <summary>The trust level the evidence supports before the certificate chain step.</summary>
    public TrustLevel Level { get; }

    /// <summary>The certificate to chain (EK certificate, Apple leaf), or null when the evidence has none.</summary>
    public X509Certificate2? Leaf { get; private init; }

    public X509Certificate2Collection Intermediates { get; private init; } = [];

    /// <summary>What the chain is, in words ("the TPM's endorsement key certificate").</summary>
    public string ChainName { get; private init; } = "";

    /// <summary>Which configured roots apply: the TPM or the Apple ones.</summary>
    public bool UsesAppleRoots { get; private init; }

    /// <summary>Why there is nothing to chain, when <see cref="Leaf"/> is null.</summary>
    public string NoChainReason { get; private init; } = "";

    public static EvidenceOutcome Fail(string detail) => new(false, detail, TrustLevel.None);

    public static EvidenceOutcome Pass(string detail, TrustLevel level, string noChainReason) =>
        new(true, detail, level) { NoChainReason = noChainReason };

    public static EvidenceOutcome PassWithChain(string detail, X509Certificate2 leaf, X509Certificate2Collection intermediates, string chainName, bool appleRoots) =>
        new(true, detail, TrustLevel.Hardware) { Leaf = leaf, Intermediates = intermediates, ChainName = chainName, UsesAppleRoots = appleRoots };

    public void Dispose()
    {
        Leaf?.Dispose();
        foreach (var certificate in Intermediates)
            certificate.Dispose();
    }
}
