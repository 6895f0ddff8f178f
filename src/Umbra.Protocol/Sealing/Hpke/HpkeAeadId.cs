namespace Umbra.Protocol.Sealing;

/// <summary>HPKE AEADs (RFC 9180 §7.3), by their registered identifiers.</summary>
public enum HpkeAeadId : ushort
{
    /// <summary>AES-128-GCM.</summary>
    Aes128Gcm = 0x0001,

    /// <summary>AES-256-GCM.</summary>
    Aes256Gcm = 0x0002,

    /// <summary>ChaCha20-Poly1305.</summary>
    ChaCha20Poly1305 = 0x0003,

    /// <summary>No AEAD: the context can only export secrets (RFC 9180 §5.3).</summary>
    ExportOnly = 0xFFFF,
}
