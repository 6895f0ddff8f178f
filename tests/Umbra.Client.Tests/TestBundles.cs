using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Tests;

/// <summary>Self-signed bundles as a software-key provider makes them (no platform evidence), for any time and keys.</summary>
internal static class TestBundles
{
    public static AttestationBundle Make(SoftwareAttestationSigner identity, string providerId, IEnumerable<HpkePublicKey> keys,
        IEnumerable<string> models, DateTimeOffset at, byte[]? nonce = null)
    {
        var claims = new AttestationClaims(
            providerId,
            identity.PublicKey,
            [.. keys.Select(k => new InferenceKeyClaim(k.KeyId, k.Export(), SealingSuites.Aes256GcmName, 0))],
            new Measurement(new byte[32], []),
            new Posture([new PostureItem("core_dumps", "disabled")]),
            new HardwareClaim("test cpu", 2, 1L << 30),
            [.. models.Select(m => new ModelClaim(m, new byte[32]))],
            at.ToUnixTimeMilliseconds(),
            nonce ?? []);
        return BundleSigner.Create(claims, identity, NoEvidence.Instance);
    }
}
