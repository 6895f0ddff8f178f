using System.Security.Cryptography;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

public sealed class HpkeRoundTripTests
{
    private static readonly byte[] Info = "umbra request v1"u8.ToArray();
    private static readonly byte[] Psk = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] PskId = "provider-psk-1"u8.ToArray();

    public static TheoryData<string> AeadSuites() => ["AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"];

    internal static HpkeSuite Suite(string name) => name switch
    {
        "AES-128-GCM" => HpkeSuite.P256Sha256Aes128Gcm,
        "AES-256-GCM" => HpkeSuite.P256Sha256Aes256Gcm,
        "ChaCha20-Poly1305" => HpkeSuite.P256Sha256ChaCha20Poly1305,
        _ => HpkeSuite.P256Sha256ExportOnly,
    };

    [Theory]
    [MemberData(nameof(AeadSuites))]
    public void Base_mode_round_trips_messages_of_every_size_in_order(string aead)
    {
        var suite = Suite(aead);
        using var recipientKey = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(suite, recipientKey.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(suite, sender.EncapsulatedKey.Span, recipientKey, Info);

        foreach (var size in new[] { 0, 1, 15, 16, 17, 1000, 65536 })
        {
            var plaintext = RandomNumberGenerator.GetBytes(size);
            var aad = BitConverter.GetBytes(size);
            var ciphertext = sender.Seal(aad, plaintext);
            Assert.Equal(size + 16, ciphertext.Length);
            Assert.True(recipient.TryOpen(aad, ciphertext, out var opened));
            Assert.Equal(plaintext, opened);
        }
        Assert.Equal(7UL, sender.SequenceNumber);
        Assert.Equal(7UL, recipient.SequenceNumber);
        Assert.Equal(sender.Export("stream keys"u8, 64), recipient.Export("stream keys"u8, 64));
    }

    [Theory]
    [MemberData(nameof(AeadSuites))]
    public void Every_mode_round_trips(string aead)
    {
        var suite = Suite(aead);
        using var recipientKey = HpkePrivateKey.Generate();
        using var senderKey = HpkePrivateKey.Generate();
        var message = "Once upon a time"u8.ToArray();

        (HpkeSenderContext Sender, Func<ReadOnlyMemory<byte>, HpkeRecipientContext> Recipient)[] setups =
        [
            (Hpke.SetupBaseSender(suite, recipientKey.PublicKey, Info),
                enc => Hpke.SetupBaseRecipient(suite, enc.Span, recipientKey, Info)),
            (Hpke.SetupPskSender(suite, recipientKey.PublicKey, Info, Psk, PskId),
                enc => Hpke.SetupPskRecipient(suite, enc.Span, recipientKey, Info, Psk, PskId)),
            (Hpke.SetupAuthSender(suite, recipientKey.PublicKey, Info, senderKey),
                enc => Hpke.SetupAuthRecipient(suite, enc.Span, recipientKey, Info, senderKey.PublicKey)),
            (Hpke.SetupAuthPskSender(suite, recipientKey.PublicKey, Info, Psk, PskId, senderKey),
                enc => Hpke.SetupAuthPskRecipient(suite, enc.Span, recipientKey, Info, Psk, PskId, senderKey.PublicKey)),
        ];
        foreach (var (sender, openerFor) in setups)
        {
            using (sender)
            using (var recipient = openerFor(sender.EncapsulatedKey))
            {
                Assert.Equal(message, recipient.Open("aad"u8, sender.Seal("aad"u8, message)));
                Assert.Equal(sender.Export([], 32), recipient.Export([], 32));
            }
        }
    }

    [Fact]
    public void Each_setup_uses_a_fresh_ephemeral_key()
    {
        using var recipientKey = HpkePrivateKey.Generate();
        using var first = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, recipientKey.PublicKey, Info);
        using var second = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, recipientKey.PublicKey, Info);
        Assert.Equal(65, first.EncapsulatedKey.Length);
        Assert.False(first.EncapsulatedKey.Span.SequenceEqual(second.EncapsulatedKey.Span));
        Assert.NotEqual(first.Seal([], "same"u8), second.Seal([], "same"u8));
    }

    [Fact]
    public void Export_only_contexts_agree_on_exports_and_refuse_to_seal_or_open()
    {
        var suite = HpkeSuite.P256Sha256ExportOnly;
        using var recipientKey = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(suite, recipientKey.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(suite, sender.EncapsulatedKey.Span, recipientKey, Info);

        Assert.True(suite.IsExportOnly);
        Assert.Equal(sender.Export("a"u8, 8160), recipient.Export("a"u8, 8160));
        Assert.NotEqual(sender.Export("a"u8, 32), sender.Export("b"u8, 32));
        var error = Assert.Throws<InvalidOperationException>(() => sender.Seal([], "x"u8));
        Assert.Contains("export-only", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => recipient.TryOpen([], new byte[32], out _));
        Assert.Throws<InvalidOperationException>(() => recipient.Open([], new byte[32]));
    }
}
