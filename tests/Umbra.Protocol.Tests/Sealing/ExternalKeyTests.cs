using System.Security.Cryptography;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>An HPKE recipient key whose scalar lives outside the key object (as in a TPM or the Secure Enclave).</summary>
public sealed class ExternalKeyTests
{
    /// <summary>Test double for a hardware key: a software ECDH key behind the agreement interface, counting uses.</summary>
    private sealed class SoftwareAgreementDouble : IP256KeyAgreement, IDisposable
    {
        private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        public int Uses { get; private set; }

        public byte[] PublicKey
        {
            get
            {
                var q = _key.ExportParameters(false).Q;
                return [0x04, .. q.X!, .. q.Y!];
            }
        }

        public void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX)
        {
            Uses++;
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerPublicKey[1..33].ToArray(), Y = peerPublicKey[33..].ToArray() },
            });
            _key.DeriveRawSecretAgreement(peer.PublicKey).CopyTo(sharedX);
        }

        public void Dispose() => _key.Dispose();
    }

    [Fact]
    public void A_request_sealed_to_an_external_key_opens_through_its_agreement()
    {
        using var agreement = new SoftwareAgreementDouble();
        using var key = HpkePrivateKey.FromAgreement(agreement);
        Assert.True(key.IsExternal);
        Assert.Equal(agreement.PublicKey, key.PublicKey.Export());

        var (envelope, pending) = RequestSealer.Seal(SealingTestKit.Body, SealingTestKit.Metadata(), [key.PublicKey]);
        using var _ = pending;
        using var opened = SealingTestKit.NewOpener().Open(SealedRequestEnvelope.Parse(envelope.ToUtf8Json()), key);
        Assert.Equal(SealingTestKit.Body, opened.Body.ToArray());
        Assert.Equal(1, agreement.Uses);
    }

    [Fact]
    public void An_external_key_cannot_be_exported_and_refuses_use_after_dispose()
    {
        using var agreement = new SoftwareAgreementDouble();
        var key = HpkePrivateKey.FromAgreement(agreement);
        Assert.Throws<InvalidOperationException>(() => key.ExportPrivateKey());
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.PublicKey);
    }

    [Fact]
    public void An_agreement_with_a_malformed_public_key_is_refused()
    {
        var bad = new BadKeyDouble();
        var e = Assert.Throws<ArgumentException>(() => HpkePrivateKey.FromAgreement(bad));
        Assert.Contains("not a valid uncompressed P-256 point", e.Message, StringComparison.Ordinal);
    }

    private sealed class BadKeyDouble : IP256KeyAgreement
    {
        public byte[] PublicKey => new byte[65];

        public void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX) => throw new InvalidOperationException("never called");
    }
}

/// <summary>Both ends of a sealed exchange derive the same receipt key, and it differs per recipient and per request.</summary>
public sealed class ReceiptKeyTests
{
    [Fact]
    public void Client_and_provider_derive_the_same_receipt_key()
    {
        using var a = HpkePrivateKey.Generate();
        using var b = HpkePrivateKey.Generate();
        var (envelope, pending) = RequestSealer.Seal(SealingTestKit.Body, SealingTestKit.Metadata(), [a.PublicKey, b.PublicKey]);
        using var _ = pending;
        using var opened = SealingTestKit.NewOpener().Open(SealedRequestEnvelope.Parse(envelope.ToUtf8Json()), a);
        Assert.Equal(pending.DeriveReceiptKey(a.PublicKey.KeyId), opened.ReceiptKey);
        Assert.NotEqual(pending.DeriveReceiptKey(b.PublicKey.KeyId), opened.ReceiptKey);
        Assert.Null(pending.DeriveReceiptKey("k_unknown"));

        var (_, other) = RequestSealer.Seal(SealingTestKit.Body, SealingTestKit.Metadata(), [a.PublicKey]);
        using var __ = other;
        Assert.NotEqual(other.DeriveReceiptKey(a.PublicKey.KeyId), opened.ReceiptKey);
    }
}
