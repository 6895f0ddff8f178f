using System.Security.Cryptography;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Attestation;
using Umbra.Provider.Hub;

namespace Umbra.Provider.Engine;

/// <summary>
/// One response being sealed and sent: each payload is MAC'd (for the receipt), sealed and wiped as it goes;
/// completion signs the receipt binding the request, the response, the model's weights and the usage.
/// </summary>
internal sealed class SealedResponse : IDisposable
{
    private readonly HubResponseWriter _writer;
    private readonly ResponseSealer _sealer;
    private readonly AcceptedRequest _accepted;
    private readonly IReceiptIssuer? _receipts;
    private readonly IncrementalHash _responseMac;

    public SealedResponse(HubResponseWriter writer, AcceptedRequest accepted, IReceiptIssuer? receipts)
    {
        _writer = writer;
        _sealer = accepted.Sealer;
        _accepted = accepted;
        _receipts = receipts;
        var key = accepted.ReceiptKey;
        _responseMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        CryptographicOperations.ZeroMemory(key);
    }

    public HubResponseWriter Writer => _writer;

    /// <summary>Chunks sealed so far.</summary>
    public ulong Chunks => _sealer.NextSequence;

    /// <summary>Seals and sends <paramref name="payload"/>, then wipes it (it is plaintext response content).</summary>
    public async ValueTask SendAsync(byte[] payload, bool final, CancellationToken cancellationToken)
    {
        SealedChunk chunk;
        try
        {
            _responseMac.AppendData(payload);
            chunk = _sealer.Seal(payload, final);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
        await _writer.WriteChunkAsync(chunk, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes the response, with a signed receipt when the provider issues them.</summary>
    public ValueTask CompleteAsync(int promptTokens, int completionTokens, CancellationToken cancellationToken)
    {
        var receipt = _receipts?.Issue(_accepted.Metadata.RequestId.ToString(), _accepted.Metadata.Model, _accepted.RequestMac,
            _responseMac.GetHashAndReset(), promptTokens, completionTokens);
        return _writer.CompleteAsync(promptTokens, completionTokens, receipt, cancellationToken);
    }

    public void Dispose() => _responseMac.Dispose();
}
