using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// An HPKE encryption context (RFC 9180 §5.2): the AEAD key, base nonce, sequence number and exporter secret
/// that both ends derive from one encapsulation. Safe to share between threads: operations are serialized so
/// a sequence number, and so a nonce, is never used twice. Dispose wipes every secret.
/// </summary>
public abstract class HpkeContext : IDisposable
{
    private readonly Lock _gate = new();
    private readonly AeadCipher? _cipher;
    private readonly KeyScheduleSecrets _secrets;
    private ulong _sequenceNumber;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="secrets"/>; the AEAD key is moved into the platform cipher and wiped here.</summary>
    private protected HpkeContext(HpkeSuite suite, KeyScheduleSecrets secrets)
    {
        Suite = suite;
        _secrets = secrets;
        _cipher = AeadCipher.Create(suite.Aead, secrets.Key);
        CryptographicOperations.ZeroMemory(secrets.Key);
    }

    public HpkeSuite Suite { get; }

    /// <summary>The number of messages sealed or opened so far; the next one uses this sequence number.</summary>
    public ulong SequenceNumber
    {
        get
        {
            lock (_gate)
                return _sequenceNumber;
        }
    }

    /// <summary>
    /// Derives a secret of <paramref name="length"/> bytes (1 to 8160) bound to this context and to
    /// <paramref name="exporterContext"/> (RFC 9180 §5.3). Both ends get the same value. Export does not
    /// advance the sequence number.
    /// </summary>
    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 255 * HpkeSuite.HashSize);
        var exported = new byte[length];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LabeledHkdf.Expand(Suite.SuiteId, _secrets.ExporterSecret, "sec"u8, exporterContext, exported);
        }
        return exported;
    }

    /// <summary>Wipes the key, base nonce and exporter secret; any later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _cipher?.Dispose();
            _secrets.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Moves the sequence number, so tests can reach the message limit without sealing 2^64 messages.</summary>
    internal void SetSequenceNumberForTesting(ulong value)
    {
        lock (_gate)
            _sequenceNumber = value;
    }

    /// <summary>ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn).</summary>
    internal void ComputeNonce(ulong sequenceNumber, Span<byte> nonce)
    {
        _secrets.BaseNonce.CopyTo(nonce);
        Span<byte> counter = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(counter, sequenceNumber);
        var low = nonce[^sizeof(ulong)..];
        for (var i = 0; i < counter.Length; i++)
            low[i] ^= counter[i];
    }

    private protected byte[] SealCore(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        var cipher = RequireCipher();
        var ciphertext = new byte[plaintext.Length + AeadCipher.TagSize];
        Span<byte> nonce = stackalloc byte[Suite.NonceSize];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfMessageLimitReached();
            ComputeNonce(_sequenceNumber, nonce);
            cipher.Encrypt(nonce, plaintext, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), associatedData);
            _sequenceNumber++;
        }
        return ciphertext;
    }

    /// <summary>Opens at the current sequence number; only a successful open advances it.</summary>
    private protected bool TryOpenCore(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, [NotNullWhen(true)] out byte[]? plaintext, out ulong sequenceNumber)
    {
        var cipher = RequireCipher();
        Span<byte> nonce = stackalloc byte[Suite.NonceSize];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfMessageLimitReached();
            sequenceNumber = _sequenceNumber;
            plaintext = null;
            // Too short to hold a tag: it cannot authenticate, which is a failed open, not a misuse.
            if (ciphertext.Length < AeadCipher.TagSize)
                return false;
            var body = ciphertext[..^AeadCipher.TagSize];
            var opened = new byte[body.Length];
            ComputeNonce(_sequenceNumber, nonce);
            if (!cipher.TryDecrypt(nonce, body, ciphertext[^AeadCipher.TagSize..], opened, associatedData))
                return false;
            _sequenceNumber++;
            plaintext = opened;
            return true;
        }
    }

    private AeadCipher RequireCipher()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _cipher ?? throw new InvalidOperationException($"The HPKE suite {Suite} is export-only: its contexts can Export secrets but cannot seal or open messages.");
    }

    private void ThrowIfMessageLimitReached()
    {
        // The RFC's limit is 2^(8*Nn) - 1 messages; a 64-bit counter stops earlier, which is only stricter.
        if (_sequenceNumber == ulong.MaxValue)
            throw new InvalidOperationException("This HPKE context has reached its message limit (the sequence number would overflow); set up a new context.");
    }
}
