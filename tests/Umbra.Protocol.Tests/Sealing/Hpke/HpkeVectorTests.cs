using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>
/// RFC 9180's published vectors for DHKEM(P-256, HKDF-SHA256) with HKDF-SHA256: all four modes and all four AEAD
/// choices, one test case each, checked at every step from DeriveKeyPair to the last ciphertext and export.
/// </summary>
public sealed class HpkeVectorTests
{
    private static readonly Dictionary<string, int> Modes = new() { ["base"] = 0, ["psk"] = 1, ["auth"] = 2, ["auth_psk"] = 3 };

    private static readonly Dictionary<string, int> Aeads = new()
    {
        ["AES-128-GCM"] = 0x0001,
        ["AES-256-GCM"] = 0x0002,
        ["ChaCha20-Poly1305"] = 0x0003,
        ["export-only"] = 0xFFFF,
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var mode in Modes.Keys)
        {
            foreach (var aead in Aeads.Keys)
                data.Add(mode, aead);
        }
        return data;
    }

    /// <summary>The (KEM, KDF) pairs of the vector file that are not implemented, for the rejection test.</summary>
    public static TheoryData<int, int> UnsupportedKemKdfPairs() => new()
    {
        { 0x0010, 0x0003 }, { 0x0012, 0x0001 }, { 0x0012, 0x0003 }, { 0x0020, 0x0001 },
        { 0x0020, 0x0003 }, { 0x0021, 0x0001 }, { 0x0021, 0x0003 },
    };

    [Fact]
    public void The_file_holds_one_P256_SHA256_vector_per_mode_and_aead()
    {
        var vectors = HpkeTestVector.All.Where(v => v.KemId == 0x10 && v.KdfId == 1).ToList();
        Assert.Equal(16, vectors.Count);
        Assert.Equal(16, vectors.Select(v => (v.Mode, v.AeadId)).Distinct().Count());
        Assert.Equal(128, HpkeTestVector.All.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector_is_reproduced(string mode, string aead)
    {
        var v = HpkeTestVector.All.Single(x => x.KemId == 0x10 && x.KdfId == 1 && x.Mode == Modes[mode] && x.AeadId == Aeads[aead]);
        var hpkeMode = (HpkeMode)v.Mode;
        var authenticated = hpkeMode is HpkeMode.Auth or HpkeMode.AuthPsk;
        var suite = new HpkeSuite((HpkeKemId)v.KemId, (HpkeKdfId)v.KdfId, (HpkeAeadId)v.AeadId);

        // DeriveKeyPair reproduces every key of the vector.
        using var ephemeral = DeriveAndCheck(v.IkmE, v.SkEm, v.PkEm, "E");
        using var recipient = DeriveAndCheck(v.IkmR, v.SkRm, v.PkRm, "R");
        using var sender = authenticated ? DeriveAndCheck(v.IkmS, v.SkSm, v.PkSm, "S") : null;

        // Encap with the vector's ephemeral key gives its enc and shared secret; Decap agrees.
        var sharedSecret = new byte[DhKemP256.SharedSecretSize];
        var enc = DhKemP256.Encapsulate(recipient.PublicKey, ephemeral, sender, sharedSecret);
        AssertHex(v.Enc, enc, "enc");
        AssertHex(v.SharedSecret, sharedSecret, "shared_secret (Encap)");
        var decapsulated = new byte[DhKemP256.SharedSecretSize];
        DhKemP256.Decapsulate(v.Enc, recipient, sender?.PublicKey, decapsulated);
        AssertHex(v.SharedSecret, decapsulated, "shared_secret (Decap)");

        // The key schedule gives the vector's context, key, base nonce and exporter secret.
        using (var secrets = KeySchedule.Derive(suite, hpkeMode, v.SharedSecret, v.Info, v.Psk, v.PskId))
        {
            AssertHex(v.KeyScheduleContext, secrets.KeyScheduleContext, "key_schedule_context");
            AssertHex(v.Key, secrets.Key, "key");
            AssertHex(v.BaseNonce, secrets.BaseNonce, "base_nonce");
            AssertHex(v.ExporterSecret, secrets.ExporterSecret, "exporter_secret");
        }

        // The sender seals, and the recipient (set up through the public API) opens, every message in order.
        using var senderContext = Hpke.SetupSender(suite, hpkeMode, recipient.PublicKey, v.Info, v.Psk, v.PskId, sender, ephemeral);
        AssertHex(v.Enc, senderContext.EncapsulatedKey.ToArray(), "sender context enc");
        using var recipientContext = SetupRecipient(suite, hpkeMode, v, recipient, sender?.PublicKey);
        var nonce = new byte[suite.NonceSize];
        for (var i = 0; i < v.Encryptions.Count; i++)
        {
            var e = v.Encryptions[i];
            senderContext.ComputeNonce((ulong)i, nonce);
            AssertHex(e.Nonce, nonce, $"nonce of encryption {i}");
            AssertHex(e.Ciphertext, senderContext.Seal(e.Aad, e.Plaintext), $"ct of encryption {i}");
            AssertHex(e.Plaintext, recipientContext.Open(e.Aad, e.Ciphertext), $"pt of encryption {i}");
        }
        Assert.Equal((ulong)v.Encryptions.Count, senderContext.SequenceNumber);
        Assert.Equal((ulong)v.Encryptions.Count, recipientContext.SequenceNumber);
        if (suite.IsExportOnly)
        {
            Assert.Empty(v.Encryptions);
            Assert.Throws<InvalidOperationException>(() => senderContext.Seal([], [1, 2, 3]));
        }

        // Both ends export the vector's values.
        Assert.NotEmpty(v.Exports);
        for (var i = 0; i < v.Exports.Count; i++)
        {
            var x = v.Exports[i];
            AssertHex(x.ExportedValue, senderContext.Export(x.ExporterContext, x.Length), $"sender export {i}");
            AssertHex(x.ExportedValue, recipientContext.Export(x.ExporterContext, x.Length), $"recipient export {i}");
        }
    }

    [Theory]
    [MemberData(nameof(UnsupportedKemKdfPairs))]
    public void Vectors_of_other_KEMs_and_KDFs_are_refused_by_name(int kem, int kdf)
    {
        var vectors = HpkeTestVector.All.Where(v => v.KemId == kem && v.KdfId == kdf).ToList();
        Assert.Equal(16, vectors.Count);
        foreach (var v in vectors)
        {
            var error = Assert.Throws<NotSupportedException>(() => new HpkeSuite((HpkeKemId)v.KemId, (HpkeKdfId)v.KdfId, (HpkeAeadId)v.AeadId));
            var refused = v.KemId != 0x10 ? $"KEM 0x{v.KemId:x4}" : $"KDF 0x{v.KdfId:x4}";
            Assert.Contains(refused, error.Message, StringComparison.Ordinal);
        }
    }

    private static HpkePrivateKey DeriveAndCheck(byte[] ikm, byte[] expectedPrivate, byte[] expectedPublic, string name)
    {
        var key = HpkePrivateKey.Derive(ikm, allowExport: true);
        AssertHex(expectedPrivate, key.ExportPrivateKey(), $"sk{name}m");
        AssertHex(expectedPublic, key.PublicKey.Export(), $"pk{name}m");
        return key;
    }

    private static HpkeRecipientContext SetupRecipient(HpkeSuite suite, HpkeMode mode, HpkeTestVector v, HpkePrivateKey recipient, HpkePublicKey? sender) => mode switch
    {
        HpkeMode.Base => Hpke.SetupBaseRecipient(suite, v.Enc, recipient, v.Info),
        HpkeMode.Psk => Hpke.SetupPskRecipient(suite, v.Enc, recipient, v.Info, v.Psk, v.PskId),
        HpkeMode.Auth => Hpke.SetupAuthRecipient(suite, v.Enc, recipient, v.Info, sender!),
        _ => Hpke.SetupAuthPskRecipient(suite, v.Enc, recipient, v.Info, v.Psk, v.PskId, sender!),
    };

    // Hex with a label, so a mismatch names the field that differs.
    private static void AssertHex(byte[] expected, byte[] actual, string what) =>
        Assert.Equal($"{what}: {Convert.ToHexStringLower(expected)}", $"{what}: {Convert.ToHexStringLower(actual)}");
}
