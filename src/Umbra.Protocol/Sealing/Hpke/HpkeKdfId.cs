namespace Umbra.Protocol.Sealing;

/// <summary>HPKE key derivation functions (RFC 9180 §7.2), by their registered identifiers.</summary>
public enum HpkeKdfId : ushort
{
    /// <summary>HKDF-SHA256.</summary>
    HkdfSha256 = 0x0001,
}
