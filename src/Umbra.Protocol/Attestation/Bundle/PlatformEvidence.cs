namespace Umbra.Protocol.Attestation;

/// <summary>
/// Platform evidence as carried in a bundle: its kind (<see cref="EvidenceKinds"/>) and kind-specific bytes
/// (<see cref="TpmEvidence"/>, <see cref="AppleEnclaveEvidence"/>; empty for <c>none</c>).
/// </summary>
public sealed record PlatformEvidence(string Kind, byte[] Data)
{
    /// <summary>No evidence: a self-signed bundle.</summary>
    public static PlatformEvidence None { get; } = new(EvidenceKinds.None, []);
}

/// <summary>The evidence kinds of the version 1 format.</summary>
public static class EvidenceKinds
{
    public const string None = "none";
    public const string Tpm2 = "tpm2";
    public const string AppleSecureEnclave = "apple-secure-enclave";

    public static IReadOnlyList<string> All { get; } = [None, Tpm2, AppleSecureEnclave];

    public static bool IsKnown(string kind) => kind is None or Tpm2 or AppleSecureEnclave;
}
