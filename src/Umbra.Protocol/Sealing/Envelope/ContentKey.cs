using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The request body's one-time content key K: the body is sealed once under it with the suite's AEAD, a
/// zero nonce and the request header as associated data. A fixed nonce is safe because K seals exactly one
/// message and is never reused.
/// </summary>
internal static class ContentKey
{
    public const int Size = 32;
    public const int NonceSize = 12;

    /// <summary>A fresh key in a pinned array, so the wipe reaches the only copy; the caller wipes it.</summary>
    public static byte[] Generate()
    {
        var key = GC.AllocateArray<byte>(Size, pinned: true);
        RandomNumberGenerator.Fill(key);
        return key;
    }

    public static byte[] Seal(HpkeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        using var cipher = CreateCipher(suite, key);
        Span<byte> nonce = stackalloc byte[NonceSize];
        nonce.Clear();
        var ciphertext = new byte[body.Length + AeadCipher.TagSize];
        cipher.Encrypt(nonce, body, ciphertext.AsSpan(0, body.Length), ciphertext.AsSpan(body.Length), header);
        return ciphertext;
    }

    /// <summary>Null when the ciphertext does not authenticate under this key and header.</summary>
    public static byte[]? TryOpen(HpkeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> header, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < AeadCipher.TagSize)
            return null;
        using var cipher = CreateCipher(suite, key);
        Span<byte> nonce = stackalloc byte[NonceSize];
        nonce.Clear();
        var body = new byte[ciphertext.Length - AeadCipher.TagSize];
        return cipher.TryDecrypt(nonce, ciphertext[..^AeadCipher.TagSize], ciphertext[^AeadCipher.TagSize..], body, header) ? body : null;
    }

    private static AeadCipher CreateCipher(HpkeSuite suite, ReadOnlySpan<byte> key) =>
        AeadCipher.Create(suite.Aead, key) ?? throw new InvalidOperationException($"The suite {suite} cannot seal a request body.");
}
