namespace Umbra.Protocol.Sealing;

/// <summary>
/// What a client keeps after sealing a request so it can open the response: one HPKE sender context per
/// recipient, because any of them may answer and the response keys come from that recipient's exporter and
/// the salt its first chunk carries. Dispose it once the response is done (or abandoned); that wipes every
/// context.
/// </summary>
public sealed class PendingResponse : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HpkeSenderContext> _contexts;
    private bool _disposed;

    /// <summary>Takes ownership of the contexts.</summary>
    internal PendingResponse(RequestId requestId, IReadOnlyList<string> keyIds, Dictionary<string, HpkeSenderContext> contexts)
    {
        RequestId = requestId;
        KeyIds = keyIds;
        _contexts = contexts;
    }

    public RequestId RequestId { get; }

    /// <summary>The key ids the request was sealed to, in envelope order.</summary>
    public IReadOnlyList<string> KeyIds { get; }

    /// <summary>
    /// A reader for one response to this request. It learns which recipient answered from chunk 0. After a
    /// failover before any content, a fresh opener reads the next provider's response.
    /// </summary>
    public ResponseOpener CreateOpener()
    {
        lock (_gate)
            ObjectDisposedException.ThrowIf(_disposed, this);
        return new ResponseOpener(this);
    }

    /// <summary>Wipes every recipient's context.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var context in _contexts.Values)
                context.Dispose();
            _contexts.Clear();
        }
    }

    /// <summary>The receipt MAC key for the response of the recipient <paramref name="keyId"/> (docs/ATTESTATION.md, "Receipts"); null when the request was not sealed to it.</summary>
    public byte[]? DeriveReceiptKey(string keyId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _contexts.TryGetValue(keyId, out var context) ? ReceiptKey.Derive(context, RequestId) : null;
        }
    }

    /// <summary>The response keys for <paramref name="keyId"/> and this salt; null when the request was not sealed to that key.</summary>
    internal ResponseKeys? TryDeriveKeys(string keyId, ReadOnlySpan<byte> salt)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _contexts.TryGetValue(keyId, out var context) ? ResponseKeys.Derive(context, RequestId, keyId, salt) : null;
        }
    }
}
