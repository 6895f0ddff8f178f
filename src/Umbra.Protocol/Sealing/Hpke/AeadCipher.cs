using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The one AEAD a context uses, over .NET's AesGcm or ChaCha20Poly1305. The platform object keeps its own copy
/// of the key and clears it when disposed.
/// </summary>
internal sealed class AeadCipher : IDisposable
{
    public const int TagSize = 16;

    private readonly AesGcm? _aesGcm;
    private readonly ChaCha20Poly1305? _chaCha;

    private AeadCipher(AesGcm? aesGcm, ChaCha20Poly1305? chaCha)
    {
        _aesGcm = aesGcm;
        _chaCha = chaCha;
    }

    /// <summary>The cipher for an AEAD suite; null for export-only.</summary>
    public static AeadCipher? Create(HpkeAeadId aead, ReadOnlySpan<byte> key)
    {
        switch (aead)
        {
            case HpkeAeadId.Aes128Gcm or HpkeAeadId.Aes256Gcm:
                if (!AesGcm.IsSupported)
                    throw new PlatformNotSupportedException("AES-GCM is not available on this platform; use the ChaCha20-Poly1305 suite.");
                return new AeadCipher(new AesGcm(key, TagSize), null);
            case HpkeAeadId.ChaCha20Poly1305:
                if (!ChaCha20Poly1305.IsSupported)
                    throw new PlatformNotSupportedException("ChaCha20-Poly1305 is not available on this platform; use an AES-GCM suite.");
                return new AeadCipher(null, new ChaCha20Poly1305(key));
            default:
                return null;
        }
    }

    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (_aesGcm != null)
            _aesGcm.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        else
            _chaCha!.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    /// <summary>Decrypts and verifies; false when the tag does not authenticate (the platform then clears <paramref name="plaintext"/>).</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        try
        {
            if (_aesGcm != null)
                _aesGcm.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            else
                _chaCha!.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // The platform reports a failed tag only by throwing; to callers it is an ordinary false.
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    public void Dispose()
    {
        _aesGcm?.Dispose();
        _chaCha?.Dispose();
    }
}
