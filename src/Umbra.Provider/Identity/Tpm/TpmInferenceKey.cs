using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// An inference (HPKE recipient) key created inside the TPM: ECC P-256, unrestricted decrypt, usable only
/// through TPM2_ECDH_ZGen. The private scalar never leaves the TPM; disposing flushes the key and forgets
/// its wrapped blob, so it is gone for good.
/// </summary>
public sealed class TpmInferenceKey : IDisposable
{
    private readonly TpmKeyProvider _owner;
    private readonly byte[] _publicKey;

    internal TpmInferenceKey(TpmKeyProvider owner, TpmKeySlot slot)
    {
        _owner = owner;
        Slot = slot;
        _publicKey = slot.Area.Point;
        KeyId = HpkePublicKey.Import(_publicKey).KeyId;
    }

    internal TpmKeySlot Slot { get; }

    internal TpmKeyProvider Owner => _owner;

    /// <summary>The public key as a 65-byte SEC1 uncompressed point (0x04 || x || y); a fresh copy.</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    /// <summary>Umbra's key id for this public key (as HpkePublicKey computes it).</summary>
    public string KeyId { get; }

    /// <summary>The key's TPMT_PUBLIC as the TPM marshaled it; a fresh copy.</summary>
    public byte[] TpmPublic => (byte[])Slot.Public.Clone();

    /// <summary>
    /// ECDH with <paramref name="peerPublicKey"/> (65-byte SEC1 uncompressed P-256 point): writes the 32-byte
    /// x coordinate of the shared point into <paramref name="sharedX"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The peer key is not a 65-byte uncompressed point, or the output is not 32 bytes.</exception>
    /// <exception cref="TpmException">The TPM refused (TPM_RC_ECC_POINT: the point is not on the curve) or failed.</exception>
    public void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX, CancellationToken cancellationToken = default) =>
        _owner.Agree(this, peerPublicKey, sharedX, cancellationToken);

    public void Dispose() => _owner.Release(Slot);

    public override string ToString() => $"TPM P-256 {KeyId}";
}
