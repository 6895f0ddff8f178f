using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;
using static Umbra.Protocol.Tests.Attestation.AttestationTestKit;

namespace Umbra.Protocol.Tests.Attestation;

public class TpmVerificationTests
{
    private static (AttestationBundle Bundle, TestTpm Tpm, SoftwareAttestationSigner Signer) Make(TpmFaults? faults = null, byte[]? nonce = null)
    {
        var tpm = new TestTpm(faults);
        var signer = SoftwareAttestationSigner.Generate();
        using var a = HpkePrivateKey.Generate();
        using var b = HpkePrivateKey.Generate();
        var claims = Claims(signer, keys: [KeyClaim(a), KeyClaim(b, SealingSuites.ChaCha20Poly1305Name)], nonce: nonce);
        return (BundleSigner.Create(claims, signer, tpm), tpm, signer);
    }

    private static VerificationResult Verify(AttestationBundle bundle, X509Certificate2Collection? tpmRoots = null) =>
        BundleVerifier.Verify(bundle, new VerificationPolicy { TimeProvider = Clock(), TpmRoots = tpmRoots ?? [] });

    [Fact]
    public void Valid_tpm_evidence_without_an_ek_certificate_gives_hardware()
    {
        var (bundle, _, _) = Make();
        var result = Verify(bundle);
        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.Hardware, result.TrustLevel);
        var evidence = result.Steps.Single(s => s.Name == VerificationStepNames.Evidence);
        Assert.Contains("PCRs 0,2,7", evidence.Detail);
        Assert.Contains("2 inference key(s)", evidence.Detail);
        Assert.Contains("not proven", evidence.Detail);
        Assert.Contains("software TPM", result.Steps.Single(s => s.Name == VerificationStepNames.CertificateChain).Detail);
    }

    [Fact]
    public void Evidence_round_trips_and_parsers_read_what_the_tpm_marshaled()
    {
        var (bundle, tpm, _) = Make();
        var decoded = TpmEvidence.Decode(bundle.Evidence.Data);
        Assert.Equal(bundle.Evidence.Data, decoded.Encode());
        var ak = TpmPublic.Parse(decoded.AkPublic);
        Assert.Equal(TpmConstants.AlgEcc, ak.Type);
        Assert.Equal(TpmConstants.EccNistP256, ak.CurveId);
        Assert.Equal(TpmConstants.AlgEcdsa, ak.Scheme);
        Assert.Equal(TpmConstants.AlgSha256, ak.SchemeHash);
        Assert.Equal(TpmConstants.AlgNull, ak.SymmetricAlg);
        Assert.True(ak.Has(TpmObjectAttributes.FixedTpm | TpmObjectAttributes.Restricted | TpmObjectAttributes.SignEncrypt));
        Assert.Equal(TpmMarshal.Point(tpm.Ak), ak.P256Point());
        var quote = TpmAttest.Parse(decoded.QuoteAttest);
        Assert.Equal(TpmConstants.GeneratedValue, quote.Magic);
        Assert.Equal(bundle.BindingDigest(), quote.ExtraData);
        Assert.Equal(new TpmClockInfo(123456, 7, 3, true), quote.ClockInfo);
        Assert.Equal(TestTpm.PcrIndices, Assert.Single(quote.Quote!.PcrSelect).Indices());
        var certify = TpmAttest.Parse(decoded.Certifications[0].CertifyAttest);
        Assert.Equal(TpmMarshal.Name(decoded.Certifications[0].ObjectPublic), certify.Certify!.Name);
        var signature = TpmSignature.Parse(decoded.QuoteSignature);
        Assert.Equal(TpmConstants.AlgEcdsa, signature.SigAlg);
        Assert.Equal(64, signature.ToP1363()!.Length);
    }

    [Fact]
    public void Every_truncation_of_every_tpm_structure_is_refused_without_throwing()
    {
        var (bundle, _, _) = Make();
        var e = TpmEvidence.Decode(bundle.Evidence.Data);
        foreach (var (bytes, parse) in new (byte[], Func<byte[], bool>)[]
        {
            (e.AkPublic, b => TpmPublic.TryParse(b, out _, out _)),
            (e.Certifications[1].ObjectPublic, b => TpmPublic.TryParse(b, out _, out _)),
            (e.QuoteAttest, b => TpmAttest.TryParse(b, out _, out _)),
            (e.Certifications[0].CertifyAttest, b => TpmAttest.TryParse(b, out _, out _)),
            (e.QuoteSignature, b => TpmSignature.TryParse(b, out _, out _)),
        })
        {
            Assert.True(parse(bytes));
            for (var length = 0; length < bytes.Length; length++)
                Assert.False(parse(bytes[..length]), $"a {length}-byte prefix parsed");
            Assert.False(parse([.. bytes, 0]), "a trailing byte was accepted");
        }
        for (var length = 0; length < bundle.Evidence.Data.Length; length++)
            Assert.Throws<AttestationException>(() => TpmEvidence.Decode(bundle.Evidence.Data.AsSpan(0, length)));
    }

    [Fact]
    public void Parsers_refuse_other_key_types_attest_types_and_signature_schemes()
    {
        Assert.False(TpmPublic.TryParse(new RawWriter().U16(0x0001).U16(0x000B).ToArray(), out _, out var error));
        Assert.Contains("ECC", error);
        Assert.False(TpmAttest.TryParse(new RawWriter().U32(0xFF544347).U16(0x8014).B2([]).B2([]).U64(0).U32(0).U32(0).U8(1).U64(0).ToArray(), out _, out error));
        Assert.Contains("0x8014", error);
        Assert.False(TpmAttest.TryParse(new RawWriter().U32(0xFF544347).U16(0x8018).B2([]).B2([]).U64(0).U32(0).U32(0).U8(2).U64(0).ToArray(), out _, out error));
        Assert.Contains("safe", error);
        Assert.False(TpmSignature.TryParse(new RawWriter().U16(0x0014).U16(0x000B).ToArray(), out _, out error));
        Assert.Contains("ECDSA", error);
        Assert.Throws<AttestationException>(() => TpmAttest.Parse(new RawWriter().U32(0xFF544347).U16(0x8018).B2([]).B2([]).U64(0).U32(0).U32(0).U8(1).U64(0).U32(0xFFFFFFFF).ToArray()));
    }

    private static readonly Dictionary<string, (Func<TpmFaults> Faults, string Reason)> TamperCases = new()
    {
        ["wrong quote extraData"] = (() => new TpmFaults { QuoteExtraData = new byte[32] }, "quote's extraData is not this bundle's binding digest"),
        ["wrong certify extraData"] = (() => new TpmFaults { CertifyExtraData = new byte[32] }, "extraData is not this bundle's binding digest"),
        ["PCR digest mismatch"] = (() => new TpmFaults { PcrDigest = new byte[32] }, "do not hash to the quote's pcrDigest"),
        ["missing identity certification"] = (() => new TpmFaults { OmitIdentity = true }, "Missing certification for the identity key"),
        ["missing inference certification"] = (() => new TpmFaults { OmitInference = true }, "Missing certification for inference key"),
        ["AK without fixedTPM"] = (() => new TpmFaults { AkAttributes = TpmMarshal.AkAttributes & ~TpmMarshal.FixedTpm }, "attestation key (AK) lacks the attribute(s) fixedTPM"),
        ["AK not restricted"] = (() => new TpmFaults { AkAttributes = TpmMarshal.AkAttributes & ~TpmMarshal.Restricted }, "lacks the attribute(s) restricted"),
        ["identity key without fixedTPM"] = (() => new TpmFaults { IdentityAttributes = TpmMarshal.IdentityAttributes & ~TpmMarshal.FixedTpm }, "certified as the identity key lacks the attribute(s) fixedTPM"),
        ["inference key imported"] = (() => new TpmFaults { InferenceAttributes = TpmMarshal.InferenceAttributes & ~TpmMarshal.SensitiveDataOrigin }, "sensitiveDataOrigin"),
        ["inference key restricted"] = (() => new TpmFaults { InferenceAttributes = TpmMarshal.InferenceAttributes | TpmMarshal.Restricted }, "restricted; an HPKE inference key"),
        ["quote by another key"] = (() => new TpmFaults { QuoteSigner = ECDsa.Create(ECCurve.NamedCurves.nistP256) }, "quote's signature does not verify with the attestation key"),
        ["certified key is another key"] = (() => new TpmFaults { IdentityPointOverride = TpmMarshal.Point(ECDsa.Create(ECCurve.NamedCurves.nistP256)) }, "its point differs"),
        ["certification for an unknown role"] = (() => new TpmFaults { ExtraRole = "inference:00" }, "names no key in the bundle"),
    };

    public static TheoryData<string> Tampers() => [.. TamperCases.Keys];

    [Theory]
    [MemberData(nameof(Tampers))]
    public void Each_tamper_is_refused_with_a_precise_reason(string name)
    {
        var (faults, reason) = TamperCases[name];
        var (bundle, _, _) = Make(faults());
        AssertFailsAt(Verify(bundle), VerificationStepNames.Evidence, reason);
    }

    [Fact]
    public void Garbage_evidence_is_refused()
    {
        using var signer = SoftwareAttestationSigner.Generate();
        var claims = Claims(signer);
        foreach (var data in new[] { Array.Empty<byte>(), RandomNumberGenerator.GetBytes(300), [.. "UMBRATPM"u8, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF] })
        {
            var bundle = Resign(BundleEncoding.Encode(claims, new PlatformEvidence(EvidenceKinds.Tpm2, data)), signer);
            AssertFailsAt(Verify(bundle), VerificationStepNames.Evidence);
        }
    }

    [Fact]
    public void A_quote_for_another_bundle_does_not_carry_over()
    {
        // Evidence lifted from one bundle into another with different claims: the digests differ.
        var (first, _, signer) = Make();
        var claims = first.Claims with { ProviderId = "someone-else" };
        var bundle = Resign(BundleEncoding.Encode(claims, first.Evidence), signer);
        AssertFailsAt(Verify(bundle), VerificationStepNames.Evidence, "binding digest");
    }

    [Fact]
    public void Byte_flips_in_the_evidence_never_verify_and_never_crash()
    {
        var (bundle, _, signer) = Make();
        var data = bundle.Evidence.Data;
        for (var i = 0; i < data.Length; i++)
        {
            var flipped = (byte[])data.Clone();
            flipped[i] ^= 0x01;
            var resigned = Resign(BundleEncoding.Encode(bundle.Claims, new PlatformEvidence(EvidenceKinds.Tpm2, flipped)), signer);
            var result = Verify(resigned);
            Assert.False(result.Valid, $"flipping evidence byte {i} still verified");
            Assert.DoesNotContain(BundleVerifier.UnexpectedPrefix, result.FailureReason);
        }
    }

    [Fact]
    public void An_ek_certificate_chained_to_a_configured_root_gives_hardware_certified()
    {
        using var root = TestPki.Root("Test TPM Root");
        using var intermediate = TestPki.Intermediate(root, "Test TPM Intermediate");
        using var ekKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ek = TestPki.Leaf(intermediate, "Test EK", ekKey);
        var (bundle, _, _) = Make(new TpmFaults { EkCertificate = ek.RawData, EkChain = [intermediate.RawData] });

        var certified = Verify(bundle, [root]);
        Assert.True(certified.Valid, certified.FailureReason);
        Assert.Equal(TrustLevel.HardwareCertified, certified.TrustLevel);
        Assert.Contains("is rooted", certified.Steps.Single(s => s.Name == VerificationStepNames.CertificateChain).Detail);

        // An unknown root: the evidence still shows TPM-held keys, but not whose TPM; hardware, and the step says why.
        using var otherRoot = TestPki.Root("Other Root");
        var unknown = Verify(bundle, [otherRoot]);
        Assert.True(unknown.Valid, unknown.FailureReason);
        Assert.Equal(TrustLevel.Hardware, unknown.TrustLevel);
        Assert.Contains("not rooted", unknown.Steps.Single(s => s.Name == VerificationStepNames.CertificateChain).Detail);

        Assert.Equal(TrustLevel.Hardware, Verify(bundle).TrustLevel);

        // Without the intermediate the chain cannot be built.
        var (noIntermediate, _, _) = Make(new TpmFaults { EkCertificate = ek.RawData });
        Assert.Equal(TrustLevel.Hardware, Verify(noIntermediate, [root]).TrustLevel);
    }

    [Fact]
    public void An_expired_ek_chain_is_not_certified()
    {
        using var root = TestPki.Root("Test TPM Root");
        using var ekKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ek = TestPki.Leaf(root, "Test EK", ekKey);
        var (bundle, _, _) = Make(new TpmFaults { EkCertificate = ek.RawData });
        Assert.Equal(TrustLevel.HardwareCertified, Verify(bundle, [root]).TrustLevel);
        var later = new Umbra.Protocol.Tests.Sealing.ManualTimeProvider();
        later.Advance(TimeSpan.FromDays(3 * 365));
        // Fresh bundle at the later time, same chain: the EK leaf (2 years) has expired by then.
        var tpm = new TestTpm(new TpmFaults { EkCertificate = ek.RawData });
        using var signer = SoftwareAttestationSigner.Generate();
        var lateBundle = BundleSigner.Create(Claims(signer, at: later.GetUtcNow()), signer, tpm);
        var result = BundleVerifier.Verify(lateBundle, new VerificationPolicy { TimeProvider = later, TpmRoots = [root] });
        Assert.Equal(TrustLevel.Hardware, result.TrustLevel);
        Assert.Contains("expired", result.Steps.Single(s => s.Name == VerificationStepNames.CertificateChain).Detail);
    }

    [Fact]
    public void A_malformed_ek_certificate_is_refused()
    {
        var (bundle, _, _) = Make(new TpmFaults { EkCertificate = [0x30, 0x03, 0x02, 0x01, 0x01] });
        AssertFailsAt(Verify(bundle), VerificationStepNames.Evidence, "not a DER X.509 certificate");
    }
}
