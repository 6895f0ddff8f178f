using System.Buffers.Binary;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// An HPKE cipher suite: KEM, KDF and AEAD. Only the combinations Umbra implements can be constructed;
/// any other identifier is refused with <see cref="NotSupportedException"/> naming it.
/// </summary>
public sealed class HpkeSuite : IEquatable<HpkeSuite>
{
    /// <summary>DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM.</summary>
    public static HpkeSuite P256Sha256Aes128Gcm { get; } = new(HpkeKemId.P256HkdfSha256, HpkeKdfId.HkdfSha256, HpkeAeadId.Aes128Gcm);

    /// <summary>DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: the suite Umbra seals requests with.</summary>
    public static HpkeSuite P256Sha256Aes256Gcm { get; } = new(HpkeKemId.P256HkdfSha256, HpkeKdfId.HkdfSha256, HpkeAeadId.Aes256Gcm);

    /// <summary>DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305.</summary>
    public static HpkeSuite P256Sha256ChaCha20Poly1305 { get; } = new(HpkeKemId.P256HkdfSha256, HpkeKdfId.HkdfSha256, HpkeAeadId.ChaCha20Poly1305);

    /// <summary>DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, export-only (no Seal or Open).</summary>
    public static HpkeSuite P256Sha256ExportOnly { get; } = new(HpkeKemId.P256HkdfSha256, HpkeKdfId.HkdfSha256, HpkeAeadId.ExportOnly);

    private readonly byte[] _suiteId;

    public HpkeSuite(HpkeKemId kem, HpkeKdfId kdf, HpkeAeadId aead)
    {
        if (kem != HpkeKemId.P256HkdfSha256)
            throw new NotSupportedException($"HPKE KEM 0x{(ushort)kem:x4} is not supported; the supported KEM is DHKEM(P-256, HKDF-SHA256) (0x0010).");
        if (kdf != HpkeKdfId.HkdfSha256)
            throw new NotSupportedException($"HPKE KDF 0x{(ushort)kdf:x4} is not supported; the supported KDF is HKDF-SHA256 (0x0001).");
        (KeySize, NonceSize, TagSize) = aead switch
        {
            HpkeAeadId.Aes128Gcm => (16, 12, 16),
            HpkeAeadId.Aes256Gcm => (32, 12, 16),
            HpkeAeadId.ChaCha20Poly1305 => (32, 12, 16),
            HpkeAeadId.ExportOnly => (0, 0, 0),
            _ => throw new NotSupportedException(
                $"HPKE AEAD 0x{(ushort)aead:x4} is not supported; the supported AEADs are AES-128-GCM (0x0001), AES-256-GCM (0x0002), ChaCha20-Poly1305 (0x0003) and export-only (0xffff)."),
        };
        Kem = kem;
        Kdf = kdf;
        Aead = aead;

        // suite_id = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2) (RFC 9180 §5.1).
        _suiteId = new byte[10];
        "HPKE"u8.CopyTo(_suiteId);
        BinaryPrimitives.WriteUInt16BigEndian(_suiteId.AsSpan(4), (ushort)kem);
        BinaryPrimitives.WriteUInt16BigEndian(_suiteId.AsSpan(6), (ushort)kdf);
        BinaryPrimitives.WriteUInt16BigEndian(_suiteId.AsSpan(8), (ushort)aead);
    }

    public HpkeKemId Kem { get; }

    public HpkeKdfId Kdf { get; }

    public HpkeAeadId Aead { get; }

    /// <summary>Whether the suite has no AEAD, so its contexts can only <see cref="HpkeContext.Export"/>.</summary>
    public bool IsExportOnly => Aead == HpkeAeadId.ExportOnly;

    /// <summary>Nk: the AEAD key length in bytes (0 for export-only).</summary>
    internal int KeySize { get; }

    /// <summary>Nn: the AEAD nonce length in bytes (0 for export-only).</summary>
    internal int NonceSize { get; }

    /// <summary>Nt: the AEAD tag length in bytes (0 for export-only).</summary>
    internal int TagSize { get; }

    /// <summary>Nh: the KDF output length in bytes.</summary>
    internal static int HashSize => 32;

    /// <summary>The suite_id that labels every key schedule derivation.</summary>
    internal ReadOnlySpan<byte> SuiteId => _suiteId;

    public bool Equals(HpkeSuite? other) => other is not null && other.Kem == Kem && other.Kdf == Kdf && other.Aead == Aead;

    public override bool Equals(object? obj) => Equals(obj as HpkeSuite);

    public override int GetHashCode() => HashCode.Combine(Kem, Kdf, Aead);

    public override string ToString()
    {
        var aead = Aead switch
        {
            HpkeAeadId.Aes128Gcm => "AES-128-GCM",
            HpkeAeadId.Aes256Gcm => "AES-256-GCM",
            HpkeAeadId.ChaCha20Poly1305 => "ChaCha20-Poly1305",
            _ => "export-only",
        };
        return $"DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, {aead}";
    }
}
