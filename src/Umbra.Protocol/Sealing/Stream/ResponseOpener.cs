using System.Diagnostics.CodeAnalysis;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The client's end of one sealed response: opens chunks as they arrive, in order 0, 1, 2, ..., from the
/// recipient chunk 0 names, and knows whether the authenticated final chunk has come. Nothing is buffered,
/// so a stream stays live. A chunk that fails leaves the state where it was. Safe to share between threads.
/// </summary>
public sealed class ResponseOpener : IDisposable
{
    private readonly Lock _gate = new();
    private readonly PendingResponse _pending;
    private ResponseKeys? _keys;
    private string? _keyId;
    private ulong _next;
    private bool _complete;
    private bool _disposed;

    internal ResponseOpener(PendingResponse pending)
    {
        _pending = pending;
    }

    /// <summary>The key id of the recipient that answered, once chunk 0 has opened; null before.</summary>
    public string? KeyId
    {
        get
        {
            lock (_gate)
                return _keyId;
        }
    }

    /// <summary>The sequence number the next chunk must carry.</summary>
    public ulong NextSequence
    {
        get
        {
            lock (_gate)
                return _next;
        }
    }

    /// <summary>Whether the final chunk has opened: the response is whole.</summary>
    public bool IsComplete
    {
        get
        {
            lock (_gate)
                return _complete;
        }
    }

    /// <summary>
    /// Opens <paramref name="chunk"/> if it is the next authentic chunk of this response. False, without
    /// changing anything, when it is out of order, a duplicate, after the final chunk, from a recipient this
    /// request was not sealed to, or fails authentication; <see cref="Open"/> says which.
    /// </summary>
    public bool TryOpen(SealedChunk chunk, [NotNullWhen(true)] out byte[]? payload) => TryOpenCore(chunk, out payload) == null;

    /// <summary>As <see cref="TryOpen"/>, but a chunk that does not open throws, saying why.</summary>
    /// <exception cref="SealingException">The chunk is not the next authentic chunk of this response.</exception>
    public byte[] Open(SealedChunk chunk) =>
        TryOpenCore(chunk, out var payload) is { } problem ? throw new SealingException(problem) : payload!;

    /// <summary>Call when the transport says the response has ended: throws unless the final chunk came.</summary>
    /// <exception cref="SealingException">The response ended without its final chunk: it was truncated.</exception>
    public void EnsureComplete()
    {
        lock (_gate)
        {
            if (!_complete)
            {
                throw new SealingException(
                    $"The response to request {_pending.RequestId} ended after {_next} chunk(s) without its final chunk: it was truncated.");
            }
        }
    }

    /// <summary>Wipes the response keys.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _keys?.Dispose();
        }
    }

    private string? TryOpenCore(SealedChunk chunk, out byte[]? payload)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        payload = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_complete)
                return $"Chunk {chunk.Sequence} arrived after the final chunk ({_next - 1}); nothing may follow the end of a response.";
            if (chunk.Sequence != _next)
            {
                return $"Chunk {chunk.Sequence} arrived where chunk {_next} was expected: the response was reordered, "
                    + "or a chunk was dropped or duplicated.";
            }
            if (_keys == null)
                return OpenFirst(chunk, out payload);
            payload = _keys.TryOpen(_next, chunk.Final, chunk.Ciphertext.Span);
            if (payload == null)
                return FailedAuthentication(chunk);
            Advance(chunk.Final);
            return null;
        }
    }

    /// <summary>Chunk 0 selects the recipient and, with its salt, the response keys; they are kept only if it opens.</summary>
    private string? OpenFirst(SealedChunk chunk, out byte[]? payload)
    {
        payload = null;
        var keyId = chunk.KeyId!;
        var keys = _pending.TryDeriveKeys(keyId, chunk.Salt.Span);
        if (keys == null)
        {
            return $"The response names key id {keyId}, which request {_pending.RequestId} was not sealed to "
                + $"(its recipients: {string.Join(", ", _pending.KeyIds)}).";
        }
        payload = keys.TryOpen(0, chunk.Final, chunk.Ciphertext.Span);
        if (payload == null)
        {
            keys.Dispose();
            return FailedAuthentication(chunk);
        }
        _keys = keys;
        _keyId = keyId;
        Advance(chunk.Final);
        return null;
    }

    private void Advance(bool final)
    {
        _next++;
        _complete = final;
    }

    private string FailedAuthentication(SealedChunk chunk) =>
        $"Chunk {chunk.Sequence} of the response to request {_pending.RequestId} failed authentication: it was altered, "
        + "its final flag was changed, or it belongs to another request or another direction.";
}
