using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>Sequence numbers, message limits, exports and disposal of HPKE contexts.</summary>
public sealed class HpkeContextTests
{
    private static readonly byte[] Info = "umbra request v1"u8.ToArray();

    [Fact]
    public void Messages_opened_out_of_order_or_replayed_fail()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, sender.EncapsulatedKey.Span, key, Info);
        var first = sender.Seal([], "first"u8);
        var second = sender.Seal([], "second"u8);
        var third = sender.Seal([], "third"u8);

        Assert.False(recipient.TryOpen([], second, out _));
        Assert.False(recipient.TryOpen([], third, out _));
        Assert.Equal("first"u8.ToArray(), recipient.Open([], first));
        Assert.False(recipient.TryOpen([], first, out _));
        Assert.False(recipient.TryOpen([], third, out _));
        Assert.Equal("second"u8.ToArray(), recipient.Open([], second));
        Assert.Equal("third"u8.ToArray(), recipient.Open([], third));
        var error = Assert.Throws<SealingException>(() => recipient.Open([], third));
        Assert.Contains("sequence number 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sequence_number_cannot_overflow()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256ChaCha20Poly1305, key.PublicKey, Info);
        using var recipient = Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256ChaCha20Poly1305, sender.EncapsulatedKey.Span, key, Info);
        sender.SetSequenceNumberForTesting(ulong.MaxValue - 1);
        recipient.SetSequenceNumberForTesting(ulong.MaxValue - 1);

        var last = sender.Seal([], "last"u8);
        Assert.Equal("last"u8.ToArray(), recipient.Open([], last));
        var error = Assert.Throws<InvalidOperationException>(() => sender.Seal([], "one too many"u8));
        Assert.Contains("message limit", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => recipient.TryOpen([], last, out _));
        Assert.Equal(ulong.MaxValue, sender.SequenceNumber);
    }

    [Fact]
    public void The_nonce_is_the_base_nonce_xor_the_big_endian_sequence_number()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        var baseNonce = new byte[12];
        var nonce = new byte[12];
        sender.ComputeNonce(0, baseNonce);
        sender.ComputeNonce(0x0102030405060708, nonce);
        for (var i = 0; i < 4; i++)
            Assert.Equal(baseNonce[i], nonce[i]);
        for (var i = 4; i < 12; i++)
            Assert.Equal(baseNonce[i] ^ (i - 3), nonce[i]);
    }

    [Fact]
    public void Export_lengths_outside_1_to_8160_are_refused()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.Export([], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.Export([], 8161));
        Assert.Equal(8160, sender.Export([], 8160).Length);
        Assert.Equal(0UL, sender.SequenceNumber);
    }

    [Fact]
    public void Disposed_contexts_throw()
    {
        using var key = HpkePrivateKey.Generate();
        var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        var recipient = Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, sender.EncapsulatedKey.Span, key, Info);
        var ciphertext = sender.Seal([], "hello"u8);
        sender.Dispose();
        recipient.Dispose();
        sender.Dispose();

        Assert.Throws<ObjectDisposedException>(() => sender.Seal([], "hello"u8));
        Assert.Throws<ObjectDisposedException>(() => sender.Export([], 32));
        Assert.Throws<ObjectDisposedException>(() => recipient.TryOpen([], ciphertext, out _));
        Assert.Throws<ObjectDisposedException>(() => recipient.Open([], ciphertext));
        Assert.Throws<ObjectDisposedException>(() => recipient.Export([], 32));
    }

    [Fact]
    public void Disposing_wipes_the_base_nonce_and_exporter_secret()
    {
        using var key = HpkePrivateKey.Generate();
        var secrets = KeySchedule.Derive(HpkeSuite.P256Sha256Aes128Gcm, HpkeMode.Base, new byte[32], Info, [], []);
        var context = new HpkeRecipientContext(HpkeSuite.P256Sha256Aes128Gcm, secrets);
        // The AEAD key moved into the platform cipher as the context was built.
        Assert.All(secrets.Key, b => Assert.Equal(0, b));
        Assert.Contains(secrets.ExporterSecret, b => b != 0);
        context.Dispose();
        Assert.All(secrets.BaseNonce, b => Assert.Equal(0, b));
        Assert.All(secrets.ExporterSecret, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Contexts_shared_between_threads_never_reuse_a_sequence_number()
    {
        using var key = HpkePrivateKey.Generate();
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, Info);
        var sealedMessages = new byte[4][][];
        Parallel.For(0, 4, t => sealedMessages[t] = [.. Enumerable.Range(0, 250).Select(_ => sender.Seal([], "same"u8))]);
        Assert.Equal(1000UL, sender.SequenceNumber);
        // Identical plaintexts differ in ciphertext only through the nonce, so 1000 distinct ciphertexts mean 1000 nonces.
        Assert.Equal(1000, sealedMessages.SelectMany(m => m).Select(Convert.ToHexString).Distinct().Count());
    }
}
