namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// The TPM evidence for one bundle: exactly the fields of the "tpm2" evidence kind of the attestation spec.
/// Every byte array is as the TPM marshaled it (no TPM2B size prefixes).
/// </summary>
/// <param name="AkPublic">The attestation key's TPMT_PUBLIC.</param>
/// <param name="QuoteAttest">The TPMS_ATTEST of TPM2_Quote (qualifyingData = the binding digest).</param>
/// <param name="QuoteSignature">The quote's TPMT_SIGNATURE by the attestation key.</param>
/// <param name="Pcrs">The quoted SHA-256 PCR values in ascending index order.</param>
/// <param name="Certifications">One per key: the identity key first, then each inference key.</param>
/// <param name="EkCertificate">The endorsement key certificate (DER) from NV, or empty.</param>
/// <param name="EkChain">Configured intermediates, leaf side first; usually empty.</param>
public sealed record TpmAttestation(
    byte[] AkPublic,
    byte[] QuoteAttest,
    byte[] QuoteSignature,
    IReadOnlyList<TpmPcrValue> Pcrs,
    IReadOnlyList<TpmCertification> Certifications,
    byte[] EkCertificate,
    IReadOnlyList<byte[]> EkChain);

/// <summary>One quoted PCR of the SHA-256 bank.</summary>
public sealed record TpmPcrValue(int Index, byte[] Value);

/// <summary>
/// A TPM2_Certify of one key by the attestation key. <see cref="Role"/> is "identity" or "inference:&lt;key id&gt;".
/// </summary>
public sealed record TpmCertification(string Role, byte[] ObjectPublic, byte[] CertifyAttest, byte[] CertifySignature)
{
    public const string IdentityRole = "identity";
    public const string InferenceRolePrefix = "inference:";
}
