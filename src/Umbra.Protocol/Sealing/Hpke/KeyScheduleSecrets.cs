using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The outputs of the key schedule. The arrays are pinned so the garbage collector never leaves copies
/// behind, and are wiped on dispose; whoever holds this object owns them.
/// </summary>
internal sealed class KeyScheduleSecrets : IDisposable
{
    public KeyScheduleSecrets(HpkeSuite suite, byte[] keyScheduleContext)
    {
        Key = GC.AllocateArray<byte>(suite.KeySize, pinned: true);
        BaseNonce = GC.AllocateArray<byte>(suite.NonceSize, pinned: true);
        ExporterSecret = GC.AllocateArray<byte>(HpkeSuite.HashSize, pinned: true);
        KeyScheduleContext = keyScheduleContext;
    }

    public byte[] Key { get; }

    public byte[] BaseNonce { get; }

    public byte[] ExporterSecret { get; }

    /// <summary>mode || psk_id_hash || info_hash: public, kept for checking against published vectors.</summary>
    public byte[] KeyScheduleContext { get; }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(Key);
        CryptographicOperations.ZeroMemory(BaseNonce);
        CryptographicOperations.ZeroMemory(ExporterSecret);
    }
}
