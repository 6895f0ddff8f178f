using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The keys of one sealed response (docs/PROTOCOL.md, "The sealed response stream"): key_r and nonce_r from
/// the request's HPKE exporter and the provider's response salt, and the per-chunk nonce and associated data.
/// The same code runs on both ends so they cannot drift apart. Not thread-safe; its owner serializes use.
/// </summary>
internal sealed class ResponseKeys : IDisposable
{
    /// <summary>The length of the provider's response salt.</summary>
    public const int SaltSize = 32;

    /// <summary>The length of A_n: label, request id, key id, u64 sequence number, u8 final.</summary>
    public const int AadSize = 17 + RequestId.Size + KeyIdText.ByteLength + 8 + 1;

    private const int KeySize = 32;
    private const int NonceSize = 12;

    private readonly AeadCipher _cipher;
    private readonly byte[] _baseNonce;
    private readonly RequestId _requestId;
    private readonly byte[] _keyId;
    private bool _disposed;

    private ResponseKeys(AeadCipher cipher, byte[] baseNonce, RequestId requestId, byte[] keyId)
    {
        _cipher = cipher;
        _baseNonce = baseNonce;
        _requestId = requestId;
        _keyId = keyId;
    }

    private static ReadOnlySpan<byte> KeyLabel => "umbra/1 response key"u8;

    private static ReadOnlySpan<byte> NonceLabel => "umbra/1 response nonce"u8;

    private static ReadOnlySpan<byte> AadLabel => "umbra/1 response\0"u8;

    /// <summary>
    /// key_r = Export("umbra/1 response key" || salt, 32), nonce_r = Export("umbra/1 response nonce" || salt, 12).
    /// The salt is why a replayed request, which rebuilds the same HPKE context, still gets fresh response keys.
    /// </summary>
    public static ResponseKeys Derive(HpkeContext context, RequestId requestId, string keyId, ReadOnlySpan<byte> salt)
    {
        if (salt.Length != SaltSize)
            throw new ArgumentException($"A response salt is {SaltSize} bytes; got {salt.Length}.", nameof(salt));
        var key = context.Export(Concat(KeyLabel, salt), KeySize);
        var baseNonce = context.Export(Concat(NonceLabel, salt), NonceSize);
        try
        {
            var cipher = AeadCipher.Create(context.Suite.Aead, key)
                ?? throw new InvalidOperationException($"The suite {context.Suite} cannot seal a response.");
            var keyIdBytes = new byte[KeyIdText.ByteLength];
            KeyIdText.Decode(keyId, keyIdBytes);
            return new ResponseKeys(cipher, baseNonce, requestId, keyIdBytes);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(baseNonce);
            throw;
        }
        finally
        {
            // The platform cipher keeps its own copy of the key.
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>ct_n = AEAD(key_r, nonce_r XOR u96(n), A_n, payload_n).</summary>
    public byte[] Seal(ulong sequence, bool final, ReadOnlySpan<byte> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> nonce = stackalloc byte[NonceSize];
        Span<byte> aad = stackalloc byte[AadSize];
        WriteNonce(sequence, nonce);
        WriteAad(sequence, final, aad);
        var ciphertext = new byte[payload.Length + AeadCipher.TagSize];
        _cipher.Encrypt(nonce, payload, ciphertext.AsSpan(0, payload.Length), ciphertext.AsSpan(payload.Length), aad);
        return ciphertext;
    }

    /// <summary>The payload, or null when the ciphertext does not open as chunk <paramref name="sequence"/> with this final flag.</summary>
    public byte[]? TryOpen(ulong sequence, bool final, ReadOnlySpan<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertext.Length < AeadCipher.TagSize)
            return null;
        Span<byte> nonce = stackalloc byte[NonceSize];
        Span<byte> aad = stackalloc byte[AadSize];
        WriteNonce(sequence, nonce);
        WriteAad(sequence, final, aad);
        var payload = new byte[ciphertext.Length - AeadCipher.TagSize];
        return _cipher.TryDecrypt(nonce, ciphertext[..^AeadCipher.TagSize], ciphertext[^AeadCipher.TagSize..], payload, aad) ? payload : null;
    }

    /// <summary>A_n = "umbra/1 response" 0x00 || request_id || key_id || u64(n) || u8(final).</summary>
    internal void WriteAad(ulong sequence, bool final, Span<byte> destination)
    {
        AadLabel.CopyTo(destination);
        var rest = destination[AadLabel.Length..];
        _requestId.WriteTo(rest);
        _keyId.CopyTo(rest[RequestId.Size..]);
        rest = rest[(RequestId.Size + KeyIdText.ByteLength)..];
        BinaryPrimitives.WriteUInt64BigEndian(rest, sequence);
        rest[8] = final ? (byte)1 : (byte)0;
    }

    /// <summary>nonce_r XOR u96(n): the sequence number, big-endian, in the low 8 of 12 bytes.</summary>
    internal void WriteNonce(ulong sequence, Span<byte> destination)
    {
        _baseNonce.CopyTo(destination);
        var low = destination[(NonceSize - 8)..];
        BinaryPrimitives.WriteUInt64BigEndian(low, BinaryPrimitives.ReadUInt64BigEndian(low) ^ sequence);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _cipher.Dispose();
        CryptographicOperations.ZeroMemory(_baseNonce);
    }

    private static byte[] Concat(ReadOnlySpan<byte> label, ReadOnlySpan<byte> salt)
    {
        var context = new byte[label.Length + salt.Length];
        label.CopyTo(context);
        salt.CopyTo(context.AsSpan(label.Length));
        return context;
    }
}
