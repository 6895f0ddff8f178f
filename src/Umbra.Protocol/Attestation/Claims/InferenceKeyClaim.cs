namespace Umbra.Protocol.Attestation;

/// <summary>
/// One HPKE inference key the provider accepts sealed requests for. <paramref name="KeyId"/> must be the key id
/// Umbra computes for <paramref name="PublicKey"/> (65-byte uncompressed P-256 point), <paramref name="Suite"/> a
/// sealing suite name (<see cref="Sealing.SealingSuites"/>).
/// </summary>
public sealed record InferenceKeyClaim(string KeyId, byte[] PublicKey, string Suite, long NotAfterUnixMs)
{
    public DateTimeOffset? NotAfter => AttestationTime.FromUnixMs(NotAfterUnixMs);
}
