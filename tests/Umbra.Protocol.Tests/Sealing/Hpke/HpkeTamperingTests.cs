using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>Anything altered between sender and recipient makes opening fail, and a failure leaves the context usable.</summary>
public sealed class HpkeTamperingTests
{
    private static readonly byte[] Info = "umbra request v1"u8.ToArray();
    private static readonly byte[] Aad = "model=stories260K max_tokens=64"u8.ToArray();
    private static readonly byte[] Message = "Tell me a story"u8.ToArray();

    public static TheoryData<string> AeadSuites() => HpkeRoundTripTests.AeadSuites();

    [Theory]
    [MemberData(nameof(AeadSuites))]
    public void A_flipped_bit_anywhere_in_the_ciphertext_fails_without_advancing(string aead)
    {
        var suite = HpkeRoundTripTests.Suite(aead);
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(suite, key.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(suite, sender.EncapsulatedKey.Span, key, Info);
        var ciphertext = sender.Seal(Aad, Message);

        for (var bit = 0; bit < ciphertext.Length * 8; bit++)
        {
            var tampered = (byte[])ciphertext.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(recipient.TryOpen(Aad, tampered, out var plaintext));
            Assert.Null(plaintext);
        }
        var error = Assert.Throws<SealingException>(() => recipient.Open(Aad, ciphertext.AsSpan(0, ciphertext.Length - 1)));
        Assert.Contains("sequence number 0 failed authentication", error.Message, StringComparison.Ordinal);

        // None of the failures moved the sequence number: the genuine message still opens.
        Assert.Equal(0UL, recipient.SequenceNumber);
        Assert.Equal(Message, recipient.Open(Aad, ciphertext));
        Assert.Equal(1UL, recipient.SequenceNumber);
    }

    [Theory]
    [MemberData(nameof(AeadSuites))]
    public void Altered_associated_data_or_a_truncated_message_fails(string aead)
    {
        var suite = HpkeRoundTripTests.Suite(aead);
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(suite, key.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(suite, sender.EncapsulatedKey.Span, key, Info);
        var ciphertext = sender.Seal(Aad, Message);

        var aad = (byte[])Aad.Clone();
        aad[^1] ^= 0x01;
        Assert.False(recipient.TryOpen(aad, ciphertext, out _));
        Assert.False(recipient.TryOpen([], ciphertext, out _));
        Assert.False(recipient.TryOpen(Aad, ciphertext.AsSpan(0, 15), out _));
        Assert.False(recipient.TryOpen(Aad, [], out _));
        Assert.Throws<SealingException>(() => recipient.Open(aad, ciphertext));
        Assert.Equal(Message, recipient.Open(Aad, ciphertext));
    }

    [Fact]
    public void A_flipped_bit_in_enc_is_refused_at_setup()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        var enc = sender.EncapsulatedKey.ToArray();

        // Only y and p - y fit a given x, so changing one bit of y leaves the curve; changing the prefix breaks the encoding.
        enc[^1] ^= 0x01;
        var error = Assert.Throws<SealingException>(() => Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, enc, key, Info));
        Assert.Equal("The encapsulated key (enc) is not a point on the P-256 curve.", error.Message);
        enc[^1] ^= 0x01;
        enc[0] ^= 0x01;
        error = Assert.Throws<SealingException>(() => Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, enc, key, Info));
        Assert.Contains("starts with 0x05", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_valid_enc_fails_to_open()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        using var other = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, other.EncapsulatedKey.Span, key, Info);
        var ciphertext = sender.Seal(Aad, Message);
        Assert.False(recipient.TryOpen(Aad, ciphertext, out _));
        Assert.Throws<SealingException>(() => recipient.Open(Aad, ciphertext));
    }

    [Fact]
    public void The_wrong_recipient_key_info_suite_psk_or_sender_fails_to_open()
    {
        var suite = HpkeSuite.P256Sha256Aes256Gcm;
        using var key = HpkePrivateKey.Generate();
        using var otherKey = HpkePrivateKey.Generate();
        using var senderKey = HpkePrivateKey.Generate();
        using var otherSenderKey = HpkePrivateKey.Generate();
        var psk = new byte[32];
        psk[0] = 1;
        var otherPsk = new byte[32];
        otherPsk[0] = 2;

        using (var sender = Hpke.SetupBaseSender(suite, key.PublicKey, Info))
        {
            var enc = sender.EncapsulatedKey.Span;
            var ciphertext = sender.Seal(Aad, Message);
            AssertFails(Hpke.SetupBaseRecipient(suite, enc, otherKey, Info), ciphertext);
            AssertFails(Hpke.SetupBaseRecipient(suite, enc, key, "umbra request v2"u8), ciphertext);
            AssertFails(Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256ChaCha20Poly1305, enc, key, Info), ciphertext);
            AssertFails(Hpke.SetupPskRecipient(suite, enc, key, Info, psk, "id"u8), ciphertext);
        }
        using (var sender = Hpke.SetupPskSender(suite, key.PublicKey, Info, psk, "id"u8))
        {
            var enc = sender.EncapsulatedKey.Span;
            var ciphertext = sender.Seal(Aad, Message);
            AssertFails(Hpke.SetupPskRecipient(suite, enc, key, Info, otherPsk, "id"u8), ciphertext);
            AssertFails(Hpke.SetupPskRecipient(suite, enc, key, Info, psk, "other id"u8), ciphertext);
            AssertFails(Hpke.SetupBaseRecipient(suite, enc, key, Info), ciphertext);
        }
        using (var sender = Hpke.SetupAuthSender(suite, key.PublicKey, Info, senderKey))
        {
            var enc = sender.EncapsulatedKey.Span;
            var ciphertext = sender.Seal(Aad, Message);
            AssertFails(Hpke.SetupAuthRecipient(suite, enc, key, Info, otherSenderKey.PublicKey), ciphertext);
            AssertFails(Hpke.SetupBaseRecipient(suite, enc, key, Info), ciphertext);
        }
    }

    private static void AssertFails(HpkeRecipientContext recipient, byte[] ciphertext)
    {
        using (recipient)
        {
            Assert.False(recipient.TryOpen(Aad, ciphertext, out var plaintext));
            Assert.Null(plaintext);
            Assert.Throws<SealingException>(() => recipient.Open(Aad, ciphertext));
        }
    }
}
