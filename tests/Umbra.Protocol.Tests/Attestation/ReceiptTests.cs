using System.Security.Cryptography;
using Umbra.Protocol.Attestation;

namespace Umbra.Protocol.Tests.Attestation;

public class ReceiptTests
{
    private static ReceiptClaims Claims(AttestationBundle bundle, byte[] macKey) => new(
        "req-1", bundle.Claims.ProviderId, "llama-3.2-1b", AttestationTestKit.Sha("weights"),
        ReceiptMac.Compute(macKey, "request"u8), ReceiptMac.Compute(macKey, "response"u8),
        12, 34, bundle.Hash.ToArray(), AttestationTestKit.Now.ToUnixTimeMilliseconds());

    [Fact]
    public void Round_trip_and_verify()
    {
        var (bundle, signer) = AttestationTestKit.SelfSigned();
        var key = RandomNumberGenerator.GetBytes(32);
        var receipt = ReceiptSigner.Create(Claims(bundle, key), signer);
        var back = SignedReceipt.FromJson(receipt.ToJson());
        Assert.Equal(receipt.Body.ToArray(), back.Body.ToArray());
        Assert.Equal(receipt.Body.ToArray(), ReceiptEncoding.Encode(back.Claims));

        var result = ReceiptVerifier.Verify(back, signer.PublicKey);
        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(34u, result.Claims!.CompletionTokens);
        Assert.True(ReceiptMacOk(key, result.Claims));
        Assert.True(ReceiptVerifier.Verify(back, bundle).Valid);
    }

    private static bool ReceiptMacOk(byte[] key, ReceiptClaims claims) =>
        ReceiptMac.Verify(key, "request"u8, claims.RequestMac) && ReceiptMac.Verify(key, "response"u8, claims.ResponseMac)
        && !ReceiptMac.Verify(key, "other"u8, claims.ResponseMac);

    [Fact]
    public void Tampering_and_wrong_keys_are_refused()
    {
        var (bundle, signer) = AttestationTestKit.SelfSigned();
        var receipt = ReceiptSigner.Create(Claims(bundle, new byte[32]), signer);
        var body = receipt.Body.ToArray();
        var sweepRejected = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var flipped = (byte[])body.Clone();
            flipped[i] ^= 0x01;
            SignedReceipt tampered;
            try
            {
                tampered = new SignedReceipt(flipped, receipt.Signature);
            }
            catch (AttestationException)
            {
                sweepRejected++;
                continue;
            }
            var result = ReceiptVerifier.Verify(tampered, signer.PublicKey);
            Assert.False(result.Valid);
            Assert.Equal(VerificationStepNames.Signature, result.Steps[^1].Name);
            sweepRejected++;
        }
        Assert.Equal(body.Length, sweepRejected);

        using var other = SoftwareAttestationSigner.Generate();
        Assert.False(ReceiptVerifier.Verify(receipt, other.PublicKey).Valid);
        Assert.False(ReceiptVerifier.Verify(receipt, new byte[65]).Valid);

        var (otherBundle, _) = AttestationTestKit.SelfSigned();
        var forOther = ReceiptSigner.Create(Claims(bundle, new byte[32]), signer);
        var wrongBundle = ReceiptVerifier.Verify(forOther, Resign(otherBundle, signer));
        Assert.False(wrongBundle.Valid);
        Assert.Contains("names bundle", wrongBundle.FailureReason);
    }

    private static AttestationBundle Resign(AttestationBundle bundle, SoftwareAttestationSigner signer)
    {
        var claims = bundle.Claims with { IdentityKey = signer.PublicKey };
        return BundleSigner.Create(claims, signer, NoEvidence.Instance);
    }

    [Fact]
    public void Decoding_is_strict()
    {
        var (bundle, signer) = AttestationTestKit.SelfSigned();
        var body = ReceiptSigner.Create(Claims(bundle, new byte[32]), signer).Body.ToArray();
        for (var length = 0; length < body.Length; length++)
            Assert.Throws<AttestationException>(() => ReceiptEncoding.Decode(body.AsSpan(0, length)));
        Assert.Contains("trailing", Assert.Throws<AttestationException>(() => ReceiptEncoding.Decode([.. body, 0])).Message);
        Assert.Throws<AttestationException>(() => new SignedReceipt(body, new byte[63]));
        Assert.Throws<ArgumentException>(() => ReceiptEncoding.Encode(Claims(bundle, new byte[32]) with { WeightsSha256 = new byte[5] }));
        Assert.Throws<ArgumentException>(() => ReceiptMac.Compute(new byte[16], "x"u8));
        Assert.Empty(ReceiptEncoding.Decode(ReceiptEncoding.Encode(Claims(bundle, new byte[32]) with { WeightsSha256 = [] })).WeightsSha256);
    }
}
