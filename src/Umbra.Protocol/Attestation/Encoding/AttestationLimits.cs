namespace Umbra.Protocol.Attestation;

/// <summary>The size limits of the version 1 formats; a decoder refuses anything beyond them before allocating.</summary>
public static class AttestationLimits
{
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxStringBytes = 1024;
    public const int MaxInferenceKeys = 64;
    public const int MaxAssemblies = 4096;
    public const int MaxModels = 256;
    public const int MaxPostureItems = 64;
    public const int MaxNonceBytes = 64;
    public const int MaxEvidenceBytes = 256 * 1024;

    /// <summary>An ECDSA P-256 signature in IEEE P1363 form (r || s).</summary>
    public const int SignatureBytes = 64;

    /// <summary>A SEC1 uncompressed P-256 point (0x04 || X || Y).</summary>
    public const int PublicKeyBytes = 65;

    public const int Sha256Bytes = 32;

    /// <summary>Certificates in an EK or Apple chain (root excluded).</summary>
    public const int MaxChainCertificates = 8;

    /// <summary>PCR values in TPM evidence (a sha256 bank has 24; indices are one byte).</summary>
    public const int MaxPcrs = 256;

    /// <summary>Certifications in TPM evidence: the identity key and one per inference key.</summary>
    public const int MaxCertifications = MaxInferenceKeys + 1;
}
