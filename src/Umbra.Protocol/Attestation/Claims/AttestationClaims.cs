namespace Umbra.Protocol.Attestation;

/// <summary>
/// Everything a provider asserts in an attestation bundle. <see cref="BundleEncoding"/> writes the lists sorted
/// (ordinal) as the format requires, so a caller may give them in any order; a decoded bundle's lists are sorted.
/// </summary>
/// <param name="ProviderId">The provider's persistent id.</param>
/// <param name="IdentityKey">The identity public key (65-byte uncompressed P-256 point) that signs the bundle.</param>
/// <param name="InferenceKeys">The HPKE keys the provider opens sealed requests with (at most 64).</param>
/// <param name="Measurement">What the provider runs.</param>
/// <param name="Posture">The process's security posture.</param>
/// <param name="Hardware">The machine, as described by the provider.</param>
/// <param name="Models">The models served (at most 256).</param>
/// <param name="TimestampUnixMs">When the bundle was made, Unix milliseconds.</param>
/// <param name="Nonce">The verifier's challenge (0 to 64 bytes; empty for an unchallenged bundle).</param>
public sealed record AttestationClaims(
    string ProviderId,
    byte[] IdentityKey,
    IReadOnlyList<InferenceKeyClaim> InferenceKeys,
    Measurement Measurement,
    Posture Posture,
    HardwareClaim Hardware,
    IReadOnlyList<ModelClaim> Models,
    long TimestampUnixMs,
    byte[] Nonce)
{
    /// <summary>The timestamp as an instant, or null if the wire value is outside the representable range.</summary>
    public DateTimeOffset? Timestamp => AttestationTime.FromUnixMs(TimestampUnixMs);
}
