namespace Umbra.Protocol.Sealing;

/// <summary>The four HPKE modes (RFC 9180 §5); the value is the mode byte that enters the key schedule.</summary>
internal enum HpkeMode : byte
{
    Base = 0x00,
    Psk = 0x01,
    Auth = 0x02,
    AuthPsk = 0x03,
}
