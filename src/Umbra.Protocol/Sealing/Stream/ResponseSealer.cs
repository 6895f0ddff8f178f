namespace Umbra.Protocol.Sealing;

/// <summary>
/// The provider's end of one sealed response, bound to the request it answers: seals each payload as soon
/// as it is produced, numbering chunks 0, 1, 2, ..., and refuses anything after the final chunk. Safe to
/// share between threads. Dispose wipes the response keys.
/// </summary>
public sealed class ResponseSealer : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ResponseKeys _keys;
    private readonly byte[] _salt;
    private ulong _next;
    private bool _complete;
    private bool _disposed;

    internal ResponseSealer(ResponseKeys keys, RequestId requestId, string keyId, byte[] salt)
    {
        _keys = keys;
        RequestId = requestId;
        KeyId = keyId;
        _salt = salt;
    }

    /// <summary>The request this response answers.</summary>
    public RequestId RequestId { get; }

    /// <summary>The key id of the recipient key that opened the request; chunk 0 names it.</summary>
    public string KeyId { get; }

    /// <summary>The sequence number the next chunk will carry.</summary>
    public ulong NextSequence
    {
        get
        {
            lock (_gate)
                return _next;
        }
    }

    /// <summary>Whether the final chunk has been sealed.</summary>
    public bool IsComplete
    {
        get
        {
            lock (_gate)
                return _complete;
        }
    }

    /// <summary>
    /// Seals <paramref name="payload"/> as the next chunk. For a stream, one SSE event's data per chunk; the
    /// last one with <paramref name="final"/> true. A non-streamed response is one final chunk.
    /// </summary>
    /// <exception cref="InvalidOperationException">The final chunk was already sealed.</exception>
    /// <exception cref="ArgumentException">The payload is larger than <see cref="SealedChunk.MaxPayloadSize"/>.</exception>
    public SealedChunk Seal(ReadOnlySpan<byte> payload, bool final)
    {
        if (payload.Length > SealedChunk.MaxPayloadSize)
            throw new ArgumentException($"A chunk carries at most {SealedChunk.MaxPayloadSize} bytes; got {payload.Length}. Split it.", nameof(payload));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_complete)
                throw new InvalidOperationException($"The response to request {RequestId} already ended with its final chunk ({_next - 1}); nothing may be sealed after it.");
            if (_next == ulong.MaxValue)
                throw new InvalidOperationException("The response has reached its chunk limit; end it.");
            var ciphertext = _keys.Seal(_next, final, payload);
            var chunk = _next == 0
                ? new SealedChunk(0, final, ciphertext, KeyId, _salt)
                : new SealedChunk(_next, final, ciphertext);
            _next++;
            _complete = final;
            return chunk;
        }
    }

    /// <summary>Wipes the response keys; any later <see cref="Seal"/> throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _keys.Dispose();
        }
    }
}
