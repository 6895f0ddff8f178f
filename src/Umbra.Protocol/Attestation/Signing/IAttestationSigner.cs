namespace Umbra.Protocol.Attestation;

/// <summary>
/// The provider's identity key: signs bundles and receipts. A software key (<see cref="SoftwareAttestationSigner"/>)
/// or one held in a TPM or Secure Enclave.
/// </summary>
public interface IAttestationSigner
{
    /// <summary>The public key: a 65-byte SEC1 uncompressed P-256 point (0x04 || X || Y).</summary>
    byte[] PublicKey { get; }

    /// <summary>ECDSA P-256 over SHA-256(<paramref name="data"/>), in IEEE P1363 form: r || s, 64 bytes.</summary>
    byte[] Sign(ReadOnlySpan<byte> data);
}

/// <summary>
/// Collects platform evidence that commits to a bundle's binding digest (TPM qualifyingData, Apple nonce).
/// </summary>
public interface IEvidenceSource
{
    /// <summary>The evidence kind this source produces (<see cref="EvidenceKinds"/>).</summary>
    string Kind { get; }

    PlatformEvidence Collect(ReadOnlySpan<byte> bindingDigest, AttestationClaims claims);
}

/// <summary>No platform evidence: the bundle will verify as <see cref="TrustLevel.SelfSigned"/> at best.</summary>
public sealed class NoEvidence : IEvidenceSource
{
    public static NoEvidence Instance { get; } = new();

    public string Kind => EvidenceKinds.None;

    public PlatformEvidence Collect(ReadOnlySpan<byte> bindingDigest, AttestationClaims claims) => PlatformEvidence.None;
}
