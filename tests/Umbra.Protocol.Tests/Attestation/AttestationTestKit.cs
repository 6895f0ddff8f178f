using System.Security.Cryptography;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;
using Umbra.Protocol.Tests.Sealing;

namespace Umbra.Protocol.Tests.Attestation;

/// <summary>Claims, keys and clocks shared by the attestation tests.</summary>
internal static class AttestationTestKit
{
    public static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static ManualTimeProvider Clock() => new();

    public static VerificationPolicy Policy(byte[]? nonce = null) => new() { TimeProvider = Clock(), ExpectedNonce = nonce };

    public static byte[] Sha(string text) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));

    public static InferenceKeyClaim KeyClaim(HpkePrivateKey key, string suite = SealingSuites.Aes256GcmName) =>
        new(key.PublicKey.KeyId, key.PublicKey.Export(), suite, Now.AddHours(1).ToUnixTimeMilliseconds());

    public static AttestationClaims Claims(IAttestationSigner signer, IEnumerable<InferenceKeyClaim>? keys = null, byte[]? nonce = null, DateTimeOffset? at = null) => new(
        ProviderId: "prov-1",
        IdentityKey: signer.PublicKey,
        InferenceKeys: [.. keys ?? [KeyClaim(HpkePrivateKey.Generate())]],
        Measurement: new Measurement(Sha("umbra"), [new AssemblyMeasurement("Umbra.Provider", Sha("p")), new AssemblyMeasurement("Umbra.Protocol", Sha("q"))]),
        Posture: new Posture([new PostureItem(PostureVocabulary.CoreDumps, "disabled"), new PostureItem(PostureVocabulary.Tracer, "none")]),
        Hardware: new HardwareClaim("Test CPU", 8, 16L << 30),
        Models: [new ModelClaim("llama-3.2-1b", Sha("weights"))],
        TimestampUnixMs: (at ?? Now).ToUnixTimeMilliseconds(),
        Nonce: nonce ?? []);

    /// <summary>A valid self-signed bundle and the signer that made it.</summary>
    public static (AttestationBundle Bundle, SoftwareAttestationSigner Signer) SelfSigned(byte[]? nonce = null)
    {
        var signer = SoftwareAttestationSigner.Generate();
        return (BundleSigner.Create(Claims(signer, nonce: nonce), signer, NoEvidence.Instance), signer);
    }

    /// <summary>Re-signs an arbitrary body, so a test reaches the checks after the signature.</summary>
    public static AttestationBundle Resign(byte[] body, IAttestationSigner signer) => new(body, signer.Sign(body));

    public static void AssertFailsAt(VerificationResult result, string step, string? reasonContains = null)
    {
        Assert.False(result.Valid, "expected the bundle to be refused");
        Assert.Equal(TrustLevel.None, result.TrustLevel);
        Assert.Null(result.Claims);
        Assert.NotNull(result.FailureReason);
        Assert.DoesNotContain(BundleVerifier.UnexpectedPrefix, result.FailureReason);
        var last = result.Steps[^1];
        Assert.False(last.Passed);
        Assert.Equal(step, last.Name);
        Assert.All(result.Steps.SkipLast(1), s => Assert.True(s.Passed));
        if (reasonContains != null)
            Assert.Contains(reasonContains, result.FailureReason, StringComparison.OrdinalIgnoreCase);
    }
}
