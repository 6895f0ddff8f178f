using System.Security.Cryptography;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

public sealed class HpkeKeyTests
{
    [Fact]
    public void A_generated_key_has_a_65_byte_uncompressed_public_key_and_a_stable_key_id()
    {
        using var key = HpkePrivateKey.Generate();
        var encoded = key.PublicKey.Export();
        Assert.Equal(65, encoded.Length);
        Assert.Equal(0x04, encoded[0]);
        Assert.Equal(HpkeKemId.P256HkdfSha256, key.Kem);

        var imported = HpkePublicKey.Import(encoded);
        Assert.Equal(key.PublicKey, imported);
        Assert.Equal(key.PublicKey.GetHashCode(), imported.GetHashCode());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(encoded).AsSpan(0, 16)), imported.KeyId);
        Assert.Matches("^[0-9a-f]{32}$", imported.KeyId);
        Assert.Equal($"P-256 {imported.KeyId}", imported.ToString());
    }

    [Fact]
    public void Private_keys_are_not_exportable_by_default()
    {
        using var key = HpkePrivateKey.Generate();
        Assert.False(key.AllowExport);
        var error = Assert.Throws<InvalidOperationException>(() => key.ExportPrivateKey());
        Assert.Contains("allowExport", error.Message, StringComparison.Ordinal);
        using var derived = HpkePrivateKey.Derive(new byte[32]);
        Assert.Throws<InvalidOperationException>(() => derived.ExportPrivateKey());
    }

    [Fact]
    public void An_exportable_key_round_trips_through_import()
    {
        using var key = HpkePrivateKey.Generate(allowExport: true);
        var scalar = key.ExportPrivateKey();
        Assert.Equal(32, scalar.Length);
        using var imported = HpkePrivateKey.Import(scalar);
        Assert.Equal(key.PublicKey, imported.PublicKey);
        Assert.False(imported.AllowExport);
        CryptographicOperations.ZeroMemory(scalar);
    }

    [Fact]
    public void Derive_is_deterministic_and_needs_32_bytes()
    {
        var ikm = RandomNumberGenerator.GetBytes(48);
        using var a = HpkePrivateKey.Derive(ikm);
        using var b = HpkePrivateKey.Derive(ikm);
        using var c = HpkePrivateKey.Derive(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(a.PublicKey, b.PublicKey);
        Assert.NotEqual(a.PublicKey, c.PublicKey);
        Assert.Throws<ArgumentException>(() => HpkePrivateKey.Derive(new byte[31]));
    }

    public static TheoryData<string, byte[]> InvalidScalars() => new()
    {
        { "31 bytes", new byte[31] },
        { "33 bytes", new byte[33] },
        { "zero", new byte[32] },
        { "the group order", Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551") },
        { "all ones", Enumerable.Repeat((byte)0xff, 32).ToArray() },
    };

    [Theory]
    [MemberData(nameof(InvalidScalars))]
    public void Invalid_private_scalars_are_refused(string name, byte[] scalar)
    {
        Assert.NotEmpty(name);
        Assert.Throws<ArgumentException>(() => HpkePrivateKey.Import(scalar));
    }

    [Fact]
    public void The_largest_valid_scalar_is_accepted()
    {
        using var key = HpkePrivateKey.Import(Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"));
        Assert.Equal(65, key.PublicKey.Export().Length);
    }

    public static TheoryData<string, byte[], string> InvalidPublicKeys()
    {
        using var key = HpkePrivateKey.Generate();
        var valid = key.PublicKey.Export();
        var offCurve = (byte[])valid.Clone();
        offCurve[^1] ^= 0x01;
        var compressed = new byte[33];
        compressed[0] = (byte)(0x02 | (valid[^1] & 1));
        valid.AsSpan(1, 32).CopyTo(compressed.AsSpan(1));
        var wrongPrefix = (byte[])valid.Clone();
        wrongPrefix[0] = 0x06;
        // x = p is outside the field even though it has the right length.
        var outsideField = (byte[])valid.Clone();
        Convert.FromHexString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff").CopyTo(outsideField, 1);
        var allZero = new byte[65];
        var zeroPoint = new byte[65];
        zeroPoint[0] = 0x04;
        return new TheoryData<string, byte[], string>
        {
            { "empty", [], "is 0 bytes; a P-256 public key is 65 bytes" },
            { "64 bytes (no prefix)", valid[1..], "is 64 bytes" },
            { "66 bytes", [.. valid, 0], "is 66 bytes" },
            { "compressed", compressed, "is a compressed P-256 point" },
            { "infinity", [0x00], "is the point at infinity" },
            { "all zero", allZero, "is all zero bytes" },
            { "wrong prefix", wrongPrefix, "starts with 0x06" },
            { "not on the curve", offCurve, "is not a point on the P-256 curve" },
            { "(0, 0)", zeroPoint, "is not a point on the P-256 curve" },
            { "coordinate outside the field", outsideField, "is not a point on the P-256 curve" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidPublicKeys))]
    public void Invalid_public_keys_are_refused_with_the_reason(string name, byte[] encoded, string reason)
    {
        var error = Assert.Throws<SealingException>(() => HpkePublicKey.Import(encoded));
        Assert.StartsWith("The HPKE public key ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(HpkePublicKey.TryImport(encoded, out var key), name);
        Assert.Null(key);

        using var recipientKey = HpkePrivateKey.Generate();
        var encError = Assert.Throws<SealingException>(() => Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, encoded, recipientKey, []));
        Assert.StartsWith("The encapsulated key (enc) ", encError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_private_key_throws()
    {
        var key = HpkePrivateKey.Generate(allowExport: true);
        var publicKey = key.PublicKey;
        using var sender = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, publicKey, []);
        key.Dispose();
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.PublicKey);
        Assert.Throws<ObjectDisposedException>(() => key.ExportPrivateKey());
        Assert.Throws<ObjectDisposedException>(() => Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, sender.EncapsulatedKey.Span, key, []));
        Assert.Throws<ObjectDisposedException>(() => Hpke.SetupAuthSender(HpkeSuite.P256Sha256Aes256Gcm, publicKey, [], key));
    }

    [Fact]
    public void Psk_inputs_are_checked()
    {
        using var key = HpkePrivateKey.Generate();
        var suite = HpkeSuite.P256Sha256Aes256Gcm;
        var psk = new byte[32];
        Assert.Throws<ArgumentException>(() => Hpke.SetupPskSender(suite, key.PublicKey, [], [], "id"u8));
        Assert.Throws<ArgumentException>(() => Hpke.SetupPskSender(suite, key.PublicKey, [], new byte[31], "id"u8));
        Assert.Throws<ArgumentException>(() => Hpke.SetupPskSender(suite, key.PublicKey, [], psk, []));
        Assert.Throws<ArgumentException>(() => Hpke.SetupPskRecipient(suite, new byte[65], key, [], psk, []));
        Assert.Throws<ArgumentException>(() => KeySchedule.VerifyPskInputs(HpkeMode.Base, psk, "id"u8));
    }

    [Fact]
    public void Unsupported_suites_are_refused_and_supported_ones_are_named()
    {
        Assert.Throws<NotSupportedException>(() => new HpkeSuite((HpkeKemId)0x0020, HpkeKdfId.HkdfSha256, HpkeAeadId.Aes128Gcm));
        Assert.Throws<NotSupportedException>(() => new HpkeSuite(HpkeKemId.P256HkdfSha256, (HpkeKdfId)0x0002, HpkeAeadId.Aes128Gcm));
        var error = Assert.Throws<NotSupportedException>(() => new HpkeSuite(HpkeKemId.P256HkdfSha256, HpkeKdfId.HkdfSha256, (HpkeAeadId)0x0004));
        Assert.Contains("AEAD 0x0004", error.Message, StringComparison.Ordinal);
        Assert.Equal("DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM", HpkeSuite.P256Sha256Aes256Gcm.ToString());
        Assert.Equal(HpkeSuite.P256Sha256ChaCha20Poly1305, new HpkeSuite(HpkeKemId.P256HkdfSha256, HpkeKdfId.HkdfSha256, HpkeAeadId.ChaCha20Poly1305));
    }
}
