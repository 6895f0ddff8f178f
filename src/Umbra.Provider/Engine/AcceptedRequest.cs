using System.Text.Json;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Engine;

/// <summary>
/// A request opened, checked and parsed, its plaintext body already wiped. Dispose wipes the response keys.
/// </summary>
internal sealed class AcceptedRequest(OpenedRequest opened, ParsedRequest parsed, JsonElement? body, byte[] requestMac) : IDisposable
{
    /// <summary>HMAC-SHA256 of the request body as sealed, under the receipt key (docs/ATTESTATION.md, "Receipts").</summary>
    public byte[] RequestMac { get; } = requestMac;

    /// <summary>The receipt MAC key (a copy the caller wipes).</summary>
    public byte[] ReceiptKey => opened.ReceiptKey;

    public RequestMetadata Metadata => opened.Metadata;

    public ParsedRequest Parsed { get; } = parsed;

    /// <summary>A chat completion (else a text completion).</summary>
    public bool Chat => Metadata.Endpoint == RequestEndpoints.ChatCompletions;

    /// <summary>The body as parsed JSON, kept only for a handler that passes it on (forwarding).</summary>
    public JsonElement? Body { get; } = body;

    public ResponseSealer Sealer => opened.Response;

    public void Dispose() => opened.Dispose();
}
