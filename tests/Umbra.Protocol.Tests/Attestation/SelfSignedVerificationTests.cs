using System.Text;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;
using static Umbra.Protocol.Tests.Attestation.AttestationTestKit;

namespace Umbra.Protocol.Tests.Attestation;

public class SelfSignedVerificationTests
{
    [Fact]
    public void A_valid_self_signed_bundle_verifies_as_self_signed_with_every_step_explained()
    {
        var (bundle, _) = SelfSigned();
        var result = BundleVerifier.Verify(bundle, Policy());
        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.SelfSigned, result.TrustLevel);
        Assert.Same(bundle.Claims, result.Claims);
        Assert.Null(result.FailureReason);
        Assert.Equal(bundle.HashHex, result.BundleHash);
        Assert.Equal(
            [VerificationStepNames.Decode, VerificationStepNames.Signature, VerificationStepNames.Freshness, VerificationStepNames.Nonce,
             VerificationStepNames.KeyBinding, VerificationStepNames.Measurement, VerificationStepNames.Evidence, VerificationStepNames.CertificateChain,
             VerificationStepNames.TrustLevel],
            result.Steps.Select(s => s.Name));
        Assert.All(result.Steps, s => Assert.True(s.Passed && s.Detail.Length > 20, s.ToString()));
        Assert.Contains("nothing is proven about the machine", result.Steps.Single(s => s.Name == VerificationStepNames.Evidence).Detail);
    }

    [Fact]
    public void A_forged_signature_is_refused()
    {
        var (bundle, _) = SelfSigned();
        var signature = bundle.Signature.ToArray();
        signature[10] ^= 1;
        AssertFailsAt(BundleVerifier.Verify(bundle.Body, signature, Policy()), VerificationStepNames.Signature, "does not verify");
    }

    [Fact]
    public void A_signature_by_another_key_is_refused()
    {
        var (bundle, _) = SelfSigned();
        using var other = SoftwareAttestationSigner.Generate();
        AssertFailsAt(BundleVerifier.Verify(bundle.Body, other.Sign(bundle.Body), Policy()), VerificationStepNames.Signature, "another key");
    }

    [Fact]
    public void An_identity_key_off_the_curve_is_refused()
    {
        using var signer = SoftwareAttestationSigner.Generate();
        var claims = Claims(signer) with { IdentityKey = [0x04, .. new byte[63], 1] };
        AssertFailsAt(BundleVerifier.Verify(Resign(BundleEncoding.Encode(claims, PlatformEvidence.None), signer), Policy()), VerificationStepNames.Signature, "not a valid");
    }

    [Theory]
    [InlineData(-13, false)] // older than 10 min + 2 min skew
    [InlineData(-11, true)]
    [InlineData(1, true)] // within the skew
    [InlineData(3, false)] // in the future beyond the skew
    public void Freshness_allows_max_age_and_skew_and_no_more(int minutes, bool valid)
    {
        using var signer = SoftwareAttestationSigner.Generate();
        var bundle = BundleSigner.Create(Claims(signer, at: Now.AddMinutes(minutes)), signer, NoEvidence.Instance);
        var result = BundleVerifier.Verify(bundle, Policy());
        if (valid)
            Assert.True(result.Valid, result.FailureReason);
        else
            AssertFailsAt(result, VerificationStepNames.Freshness, minutes < 0 ? "older than" : "future");
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Extreme_timestamps_are_refused_without_overflow(long timestamp)
    {
        using var signer = SoftwareAttestationSigner.Generate();
        var claims = Claims(signer) with { TimestampUnixMs = timestamp };
        AssertFailsAt(BundleVerifier.Verify(BundleSigner.Create(claims, signer, NoEvidence.Instance), Policy()), VerificationStepNames.Freshness);
    }

    [Fact]
    public void The_expected_nonce_must_be_the_one_carried()
    {
        byte[] challenge = [1, 2, 3, 4, 5, 6, 7, 8];
        var (bundle, _) = SelfSigned(nonce: challenge);
        Assert.True(BundleVerifier.Verify(bundle, Policy(challenge)).Valid);
        AssertFailsAt(BundleVerifier.Verify(bundle, Policy([1, 2, 3, 4, 5, 6, 7, 9])), VerificationStepNames.Nonce, "not the challenge");

        var (unchallenged, _) = SelfSigned();
        AssertFailsAt(BundleVerifier.Verify(unchallenged, Policy(challenge)), VerificationStepNames.Nonce, "carries no nonce");
        // Without a challenge of our own, someone else's nonce is reported, not refused.
        Assert.True(BundleVerifier.Verify(bundle, Policy()).Valid);
    }

    [Fact]
    public void A_key_id_that_is_not_its_keys_id_is_refused()
    {
        using var signer = SoftwareAttestationSigner.Generate();
        using var a = HpkePrivateKey.Generate();
        using var b = HpkePrivateKey.Generate();
        var wrong = KeyClaim(a) with { KeyId = b.PublicKey.KeyId };
        var bundle = BundleSigner.Create(Claims(signer, keys: [wrong]), signer, NoEvidence.Instance);
        AssertFailsAt(BundleVerifier.Verify(bundle, Policy()), VerificationStepNames.KeyBinding, "wrong key id");
    }

    [Fact]
    public void An_unknown_suite_or_a_point_off_the_curve_is_refused()
    {
        using var signer = SoftwareAttestationSigner.Generate();
        using var key = HpkePrivateKey.Generate();
        var suite = BundleSigner.Create(Claims(signer, keys: [KeyClaim(key) with { Suite = "P256-SHA256-AES128GCM" }]), signer, NoEvidence.Instance);
        AssertFailsAt(BundleVerifier.Verify(suite, Policy()), VerificationStepNames.KeyBinding, "suite");
        var offCurve = BundleSigner.Create(Claims(signer, keys: [KeyClaim(key) with { PublicKey = [0x04, .. new byte[64]] }]), signer, NoEvidence.Instance);
        AssertFailsAt(BundleVerifier.Verify(offCurve, Policy()), VerificationStepNames.KeyBinding, "not a valid");
    }

    [Fact]
    public void Allowed_measurements_are_enforced_when_configured()
    {
        var (bundle, _) = SelfSigned();
        var hex = bundle.Claims.Measurement.ExecutableSha256Hex;
        var allow = new VerificationPolicy { TimeProvider = Clock(), AllowedMeasurements = new HashSet<string> { hex.ToUpperInvariant() } };
        Assert.True(BundleVerifier.Verify(bundle, allow).Valid);
        var deny = new VerificationPolicy { TimeProvider = Clock(), AllowedMeasurements = new HashSet<string> { new string('0', 64) } };
        AssertFailsAt(BundleVerifier.Verify(bundle, deny), VerificationStepNames.Measurement, hex);
    }

    [Fact]
    public void Signer_must_hold_the_identity_key()
    {
        using var signer = SoftwareAttestationSigner.Generate();
        using var other = SoftwareAttestationSigner.Generate();
        Assert.Throws<ArgumentException>(() => BundleSigner.Create(Claims(signer), other, NoEvidence.Instance));
    }

    [Fact]
    public void Json_round_trip_and_strictness()
    {
        var (bundle, _) = SelfSigned();
        var json = bundle.ToJson();
        Assert.StartsWith("{\"body\":\"", json);
        Assert.DoesNotContain("=", json);
        var back = AttestationBundle.FromJson(json);
        Assert.Equal(bundle.Body.ToArray(), back.Body.ToArray());
        Assert.Equal(bundle.Signature.ToArray(), back.Signature.ToArray());
        Assert.True(BundleVerifier.VerifyJson(Encoding.UTF8.GetBytes(json), Policy()).Valid);

        var body = Base64UrlStrict.Encode(bundle.Body);
        var signature = Base64UrlStrict.Encode(bundle.Signature);
        Assert.Throws<AttestationException>(() => AttestationBundle.FromJson($"{{\"body\":\"{body}\",\"body\":\"{body}\",\"signature\":\"{signature}\"}}"));
        Assert.Throws<AttestationException>(() => AttestationBundle.FromJson($"{{\"body\":\"{body}\"}}"));
        Assert.Throws<AttestationException>(() => AttestationBundle.FromJson($"{{\"body\":\"{body}=\",\"signature\":\"{signature}\"}}"));
        Assert.Throws<AttestationException>(() => AttestationBundle.FromJson($"{{\"body\":\"{body}\",\"signature\":\"{signature[..^2]}\"}}"));
        Assert.Throws<AttestationException>(() => AttestationBundle.FromJson("null"));
        Assert.Throws<AttestationException>(() => AttestationBundle.FromJson("[1]"));
        AssertFailsAt(BundleVerifier.VerifyJson("{"u8, Policy()), VerificationStepNames.Decode);
    }

    private sealed record Carrier(AttestationBundle? Bundle);

    [Fact]
    public void A_bundle_can_be_a_member_of_another_wire_type()
    {
        var (bundle, _) = SelfSigned();
        var json = System.Text.Json.JsonSerializer.Serialize(new Carrier(bundle), new System.Text.Json.JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });
        var back = System.Text.Json.JsonSerializer.Deserialize<Carrier>(json, new System.Text.Json.JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });
        Assert.Equal(bundle.HashHex, back!.Bundle!.HashHex);
    }

    [Fact]
    public void Byte_flip_sweep_over_a_real_bundle_never_crashes_and_never_verifies()
    {
        var (bundle, _) = SelfSigned(nonce: [9, 9]);
        var body = bundle.Body.ToArray();
        var signature = bundle.Signature.ToArray();
        foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (var i = 0; i < body.Length; i++)
            {
                var flipped = (byte[])body.Clone();
                flipped[i] ^= mask;
                var result = BundleVerifier.Verify(flipped, signature, Policy());
                Assert.False(result.Valid, $"byte {i} ^ {mask:x2} still verified");
                Assert.DoesNotContain(BundleVerifier.UnexpectedPrefix, result.FailureReason);
            }
        }
        for (var length = 0; length < body.Length; length++)
            Assert.False(BundleVerifier.Verify(body.AsSpan(0, length), signature, Policy()).Valid);
    }
}
