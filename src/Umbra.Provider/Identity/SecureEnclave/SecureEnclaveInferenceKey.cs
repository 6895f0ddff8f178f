using System.Runtime.Versioning;
using System.Security.Cryptography;
using Umbra.Protocol.Sealing;
using static Umbra.Provider.Identity.SecureEnclave.AppleSecurityInterop;

namespace Umbra.Provider.Identity.SecureEnclave;

/// <summary>An inference (HPKE recipient) key in the Secure Enclave: P-256 ECDH, the scalar never leaves the enclave.</summary>
[SupportedOSPlatform("macos")]
public sealed class SecureEnclaveInferenceKey : IDisposable
{
    private readonly CFHandle _key;
    private readonly byte[] _publicKey;

    internal SecureEnclaveInferenceKey(CFHandle key)
    {
        _key = key;
        try
        {
            _publicKey = PublicPoint(key);
            KeyId = HpkePublicKey.Import(_publicKey).KeyId;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The public key as a 65-byte SEC1 uncompressed point; a fresh copy.</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    /// <summary>Umbra's key id for this public key (as HpkePublicKey computes it).</summary>
    public string KeyId { get; }

    /// <summary>ECDH with <paramref name="peerPublicKey"/> (65-byte uncompressed P-256 point): the 32-byte x coordinate.</summary>
    /// <exception cref="ArgumentException">Wrong lengths.</exception>
    /// <exception cref="SecureEnclaveException">The peer point is invalid or the enclave refused.</exception>
    public void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        if (peerPublicKey.Length != 65 || peerPublicKey[0] != 0x04)
            throw new ArgumentException("The peer public key must be a 65-byte uncompressed P-256 point (0x04 || x || y).", nameof(peerPublicKey));
        if (sharedX.Length != 32)
            throw new ArgumentException("The shared secret buffer must be 32 bytes (the x coordinate).", nameof(sharedX));
        byte[] secret = KeyExchange(_key, peerPublicKey);
        try
        {
            if (secret.Length != 32)
                throw new SecureEnclaveException($"The key exchange returned {secret.Length} bytes, not 32.");
            secret.CopyTo(sharedX);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public void Dispose() => _key.Dispose();

    public override string ToString() => $"Secure Enclave P-256 {KeyId}";
}
