using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// A request a provider has opened: the authenticated metadata, the plaintext body, and the sealer for its
/// response. Dispose wipes the body and the response keys, so copy out only what generation needs.
/// </summary>
public sealed class OpenedRequest : IDisposable
{
    private readonly byte[] _body;
    private bool _disposed;
    private bool _bodyWiped;

    private readonly byte[] _receiptKey;

    internal OpenedRequest(RequestMetadata metadata, string keyId, byte[] body, ResponseSealer response, byte[] receiptKey)
    {
        _receiptKey = receiptKey;
        Metadata = metadata;
        KeyId = keyId;
        _body = body;
        Response = response;
    }

    /// <summary>The routing fields, now known to be the ones the client sealed.</summary>
    public RequestMetadata Metadata { get; }

    /// <summary>The key id of the provider key that opened the request.</summary>
    public string KeyId { get; }

    /// <summary>The request body as the client sealed it.</summary>
    public ReadOnlyMemory<byte> Body
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed || _bodyWiped, this);
            return _body;
        }
    }

    /// <summary>The key the provider's receipt MACs this request and its response under (a copy; the caller wipes it).</summary>
    public byte[] ReceiptKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return (byte[])_receiptKey.Clone();
        }
    }

    /// <summary>Seals the response to this request, and only to it.</summary>
    public ResponseSealer Response { get; }

    /// <summary>
    /// Wipes the body now and keeps the response sealer: a provider parses the body first and then generates for
    /// a while, and the plaintext need not wait in memory for the response to finish.
    /// </summary>
    public void WipeBody()
    {
        if (_bodyWiped)
            return;
        _bodyWiped = true;
        CryptographicOperations.ZeroMemory(_body);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_body);
        CryptographicOperations.ZeroMemory(_receiptKey);
        Response.Dispose();
    }
}
