using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Attestation;
using static Umbra.Protocol.Tests.Attestation.AttestationTestKit;

namespace Umbra.Protocol.Tests.Attestation;

public class AppleVerificationTests
{
    /// <summary>A Secure Enclave simulated in the test: Apple's CA issues a leaf for the identity key with the nonce.</summary>
    private sealed record TestEnclave(X509Certificate2 Intermediate, ECDsa Identity) : IEvidenceSource
    {
        public byte[]? NonceOverride { get; init; }
        public ECDsa? LeafKeyOverride { get; init; }
        public bool OmitNonce { get; init; }
        public bool IncludeIntermediate { get; init; } = true;

        public string Kind => EvidenceKinds.AppleSecureEnclave;

        public PlatformEvidence Collect(ReadOnlySpan<byte> bindingDigest, AttestationClaims claims)
        {
            X509Extension[] extensions = OmitNonce ? [] : [new X509Extension(AppleNonceExtension.Oid, AppleNonceExtension.Encode(NonceOverride ?? bindingDigest.ToArray()), critical: false)];
            using var leaf = TestPki.Leaf(Intermediate, "Test Secure Enclave Key", LeafKeyOverride ?? Identity, extensions);
            return new AppleEnclaveEvidence(IncludeIntermediate ? [leaf.RawData, Intermediate.RawData] : [leaf.RawData]).ToPlatformEvidence();
        }
    }

    private sealed class Pki : IDisposable
    {
        public X509Certificate2 Root { get; } = TestPki.Root("Test Apple Root");
        public X509Certificate2 Intermediate { get; }
        public ECDsa Identity { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        public SoftwareAttestationSigner Signer { get; }

        public Pki()
        {
            Intermediate = TestPki.Intermediate(Root, "Test Apple Attestation CA");
            Signer = SoftwareAttestationSigner.ImportPkcs8(Identity.ExportPkcs8PrivateKey());
        }

        public AttestationBundle Bundle(Func<TestEnclave, TestEnclave>? change = null)
        {
            var enclave = new TestEnclave(Intermediate, Identity);
            return BundleSigner.Create(Claims(Signer), Signer, change?.Invoke(enclave) ?? enclave);
        }

        public VerificationResult Verify(AttestationBundle bundle, X509Certificate2? root = null) =>
            BundleVerifier.Verify(bundle, new VerificationPolicy { TimeProvider = Clock(), AppleRoots = [root ?? Root] });

        public void Dispose()
        {
            Root.Dispose();
            Intermediate.Dispose();
            Identity.Dispose();
            Signer.Dispose();
        }
    }

    [Fact]
    public void A_chain_to_a_configured_apple_root_with_the_right_nonce_gives_hardware_certified()
    {
        using var pki = new Pki();
        var result = pki.Verify(pki.Bundle());
        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.HardwareCertified, result.TrustLevel);
        Assert.Contains("binding digest as its nonce", result.Steps.Single(s => s.Name == VerificationStepNames.Evidence).Detail);
    }

    [Fact]
    public void Evidence_round_trips_and_the_nonce_extension_is_strict_der()
    {
        using var pki = new Pki();
        var bundle = pki.Bundle();
        var evidence = AppleEnclaveEvidence.Decode(bundle.Evidence.Data);
        Assert.Equal(2, evidence.Chain.Count);
        Assert.Equal(bundle.Evidence.Data, evidence.Encode());
        byte[] nonce = [1, 2, 3];
        var value = AppleNonceExtension.Encode(nonce);
        Assert.Equal("3007a1050403010203", Convert.ToHexStringLower(value));
        Assert.Equal(nonce, AppleNonceExtension.TryDecode(value, out _));
        Assert.Null(AppleNonceExtension.TryDecode(value.Concat(new byte[] { 0 }).ToArray(), out var error));
        Assert.NotNull(error);
        Assert.Null(AppleNonceExtension.TryDecode(Convert.FromHexString("3007a2050403010203"), out _)); // [2], not [1]
        Assert.Null(AppleNonceExtension.TryDecode(Convert.FromHexString("0403010203"), out _)); // no SEQUENCE
        Assert.Throws<AttestationException>(() => AppleEnclaveEvidence.Decode([.. "UMBRAAPL"u8, 0, 1, 0, 0, 0, 0]));
        for (var length = 0; length < bundle.Evidence.Data.Length; length += 7)
            Assert.Throws<AttestationException>(() => AppleEnclaveEvidence.Decode(bundle.Evidence.Data.AsSpan(0, length)));
    }

    [Fact]
    public void A_wrong_nonce_is_refused()
    {
        using var pki = new Pki();
        AssertFailsAt(pki.Verify(pki.Bundle(e => e with { NonceOverride = new byte[32] })), VerificationStepNames.Evidence, "nonce is not this bundle's binding digest");
        AssertFailsAt(pki.Verify(pki.Bundle(e => e with { OmitNonce = true })), VerificationStepNames.Evidence, "no nonce extension");
    }

    [Fact]
    public void A_leaf_for_another_key_is_refused()
    {
        using var pki = new Pki();
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        AssertFailsAt(pki.Verify(pki.Bundle(e => e with { LeafKeyOverride = other })), VerificationStepNames.Evidence, "certifies another key");
    }

    [Fact]
    public void An_unknown_root_is_not_certified()
    {
        // The spec's rule: a Secure Enclave chain that reaches no configured root verifies as hardware, not
        // hardware_certified, and the chain step says so. Nothing but the root makes the chain believable.
        using var pki = new Pki();
        using var otherRoot = TestPki.Root("Not Apple");
        var result = pki.Verify(pki.Bundle(), otherRoot);
        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.Hardware, result.TrustLevel);
        Assert.Contains("not rooted", result.Steps.Single(s => s.Name == VerificationStepNames.CertificateChain).Detail);
        var noIntermediate = pki.Verify(pki.Bundle(e => e with { IncludeIntermediate = false }));
        Assert.Equal(TrustLevel.Hardware, noIntermediate.TrustLevel);
    }

    [Fact]
    public void Garbage_certificates_are_refused()
    {
        using var pki = new Pki();
        var claims = Claims(pki.Signer);
        var data = new AppleEnclaveEvidence([[0x30, 0x00]]).Encode();
        var bundle = Resign(BundleEncoding.Encode(claims, new PlatformEvidence(EvidenceKinds.AppleSecureEnclave, data)), pki.Signer);
        AssertFailsAt(pki.Verify(bundle), VerificationStepNames.Evidence, "not a DER X.509 certificate");
    }
}
