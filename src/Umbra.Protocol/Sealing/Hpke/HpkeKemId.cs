namespace Umbra.Protocol.Sealing;

/// <summary>HPKE key encapsulation mechanisms (RFC 9180 §7.1), by their registered identifiers.</summary>
public enum HpkeKemId : ushort
{
    /// <summary>DHKEM(P-256, HKDF-SHA256).</summary>
    P256HkdfSha256 = 0x0010,
}
