using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Attestation;
using Umbra.Coordinator.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Api;

/// <summary>
/// A plaintext request from an ordinary OpenAI client: the coordinator seals it on arrival to the chosen
/// provider's key, opens the sealed chunks that come back, and answers as OpenAI would. It holds the plaintext
/// for the length of the request and says so in <c>X-Umbra-Sealed-By: coordinator</c>. Operators can turn this off.
/// </summary>
internal sealed class PlainIngress(RequestDispatcher dispatcher, CoordinatorOptions options, ILogger<PlainIngress> logger)
{
    public const string SealedByHeader = "X-Umbra-Sealed-By";

    public async Task HandleAsync(HttpContext context, string endpoint)
    {
        EnsureAllowed();
        var ct = context.RequestAborted;
        var body = await ReadBodyAsync(context, ct);
        ParsedRequest parsed;
        using (var document = JsonDocument.Parse(body))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ApiException(400, "The request body must be a JSON object.", null, "invalid_json");
            parsed = endpoint == RequestEndpoints.ChatCompletions ? RequestParser.ParseChat(document.RootElement) : RequestParser.ParseCompletion(document.RootElement);
        }
        await ServeAsync(context, endpoint, endpoint, body, parsed, (dispatched, opener) =>
            parsed.Stream ? StreamAsync(context, dispatched, opener, ct) : SingleAsync(context, dispatched, opener, ct));
    }

    /// <summary>Refuses plain ingress where the operator turned it off.</summary>
    public void EnsureAllowed()
    {
        if (!options.AllowPlainIngress)
        {
            throw new ApiException(415,
                "This coordinator accepts only sealed requests (Content-Type: application/umbra-sealed+json), so that it never sees your prompt. "
                + "Send requests through the Umbra sealing client (`umbra proxy`, or the Umbra.Client library).",
                null, "sealed_request_required");
        }
    }

    public Task<byte[]> ReadBodyAsync(HttpContext context, CancellationToken ct) =>
        BodyReader.ReadAsync(context.Request, Math.Min(options.MaxRequestBodyBytes, SealedRequestEnvelope.MaxBodySize), ct);

    /// <summary>
    /// Seals <paramref name="body"/> (a request for <paramref name="endpoint"/>) to the chosen provider, dispatches it and
    /// lets <paramref name="answer"/> turn the provider's events into the client's response; cancels the provider's work
    /// if the answer ends first. <paramref name="clientEndpoint"/> is the endpoint the client called, for the log.
    /// </summary>
    public async Task ServeAsync(HttpContext context, string clientEndpoint, string endpoint, byte[] body, ParsedRequest parsed, Func<Dispatched, ResponseOpener, Task> answer)
    {
        var ct = context.RequestAborted;
        context.Response.Headers[SealedByHeader] = "coordinator";
        // Sealed afresh for each provider tried (each has its own key), and a backup may run beside the first, so
        // each connection keeps its own pending response until the end; the winner's opens the answer.
        var sealedFor = new Dictionary<string, (PendingResponse Pending, JsonDocument Json, string KeyId)>(StringComparer.Ordinal);
        try
        {
            var summary = new RequestSummary("plain", clientEndpoint, parsed.Model, parsed.Stream, body.Length, parsed.MaxTokens) { Tenant = ApiKeyFilter.TenantOf(context) };
            var dispatched = await dispatcher.DispatchAsync(context.Response, summary, null, route =>
            {
                var metadata = RequestMetadata.Create(endpoint, parsed.Model, parsed.MaxTokens, parsed.Stream, route.Key!.HpkeSuite);
                var request = RequestSealer.Seal(body, metadata, [route.Key.Key]);
                var json = JsonDocument.Parse(request.Envelope.ToUtf8Json());
                sealedFor.Add(route.Provider!.ConnectionId, (request.PendingResponse, json, route.Key.KeyId));
                return json.RootElement;
            }, ct);
            var relay = dispatched.Relay;
            // Everything after routing sits inside the try, so the scheduler always gets the provider's room back.
            try
            {
                var (pending, _, receiptKeyId) = sealedFor[relay.Provider.ConnectionId];
                using var opener = pending.CreateOpener();
                TrustHeaders.Apply(context.Response, relay.Provider);
                // The coordinator sealed this request, so it holds the receipt key anyway; giving it to the client lets
                // the client check the receipt's MACs against the request and response it has (umbra verify).
                if (pending.DeriveReceiptKey(receiptKeyId) is { } receiptKey)
                    context.Response.Headers[TrustHeaders.ReceiptKey] = Convert.ToHexStringLower(receiptKey);
                await answer(dispatched, opener);
            }
            finally
            {
                if (!relay.IsEnded)
                    await relay.Provider.CancelAsync(relay);
                dispatched.Finish(null);
            }
        }
        finally
        {
            foreach (var (pending, json, _) in sealedFor.Values)
            {
                pending.Dispose();
                json.Dispose();
            }
        }
    }

    private async Task StreamAsync(HttpContext context, Dispatched dispatched, ResponseOpener opener, CancellationToken ct)
    {
        var sse = new SseWriter(context.Response);
        using var responseHash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var chunks = 0;
        await foreach (var e in dispatched.EventsAsync(ct))
        {
            switch (e.Kind)
            {
                case RelayEventKind.Chunk:
                    if (!TryOpen(opener, e, out var payload, out var invalid))
                    {
                        await FailAsync(sse, dispatched, invalid, chunks, ct);
                        return;
                    }
                    if (!sse.Started)
                        await sse.StartAsync(ct);
                    responseHash.AppendData(payload);
                    await sse.WriteAsync(payload, ct);
                    chunks++;
                    break;
                case RelayEventKind.Complete:
                    if (!opener.IsComplete)
                    {
                        await FailAsync(sse, dispatched, Truncated(), chunks, ct);
                        return;
                    }
                    if (!sse.Started)
                        await sse.StartAsync(ct);
                    await TrustHeaders.EndStreamAsync(sse, responseHash, e.Receipt, ct);
                    await sse.DoneAsync(ct);
                    ApiLog.Completed(logger, dispatched.Relay.Handle, chunks, e.PromptTokens, e.CompletionTokens);
                    return;
                case RelayEventKind.Failed:
                    ApiLog.Failed(logger, dispatched.Relay.Handle, e.Code ?? "", chunks);
                    if (!sse.Started)
                        throw ProviderErrors.ToApi(e);
                    await sse.WriteAsync(ApiErrors.Json(ProviderErrors.ToApi(e)), ct);
                    return;
            }
        }
    }

    private async Task SingleAsync(HttpContext context, Dispatched dispatched, ResponseOpener opener, CancellationToken ct)
    {
        byte[]? response = null;
        await foreach (var e in dispatched.EventsAsync(ct))
        {
            switch (e.Kind)
            {
                case RelayEventKind.Chunk when response == null:
                    response = Open(opener, e);
                    break;
                case RelayEventKind.Chunk:
                    throw new ApiException(502, "The provider sent more than one chunk for a non-streamed request.", null, "bad_provider_response", "server_error");
                case RelayEventKind.Complete when response != null:
                    EnsureComplete(opener);
                    ApiLog.Completed(logger, dispatched.Relay.Handle, 1, e.PromptTokens, e.CompletionTokens);
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = "application/json";
                    TrustHeaders.ApplyWhole(context.Response, response, e.Receipt);
                    await context.Response.Body.WriteAsync(response, ct);
                    return;
                case RelayEventKind.Complete:
                    throw new ApiException(502, "The provider completed the request without a response.", null, "bad_provider_response", "server_error");
                case RelayEventKind.Failed:
                    ApiLog.Failed(logger, dispatched.Relay.Handle, e.Code ?? "", response == null ? 0 : 1);
                    throw ProviderErrors.ToApi(e);
            }
        }
    }

    /// <summary>Before content, an HTTP error; after, an in-band event, since the status has gone out.</summary>
    private async Task FailAsync(SseWriter sse, Dispatched dispatched, ApiException error, int chunks, CancellationToken ct)
    {
        ApiLog.Failed(logger, dispatched.Relay.Handle, error.Code ?? "", chunks);
        if (!sse.Started)
            throw error;
        await sse.WriteAsync(ApiErrors.Json(error), ct);
    }

    public static byte[] Open(ResponseOpener opener, RelayEvent e) =>
        TryOpen(opener, e, out var payload, out var invalid) ? payload : throw invalid;

    public static bool TryOpen(ResponseOpener opener, RelayEvent e, [NotNullWhen(true)] out byte[]? payload, [NotNullWhen(false)] out ApiException? invalid)
    {
        invalid = null;
        try
        {
            if (opener.TryOpen(SealedChunk.Parse(e.ChunkJson.Span), out payload))
                return true;
        }
        catch (SealingException)
        {
            // Malformed chunk JSON, or a chunk after the final one.
            payload = null;
        }
        // Not the provider's honest answer to this request: never pass it on.
        invalid = new ApiException(502, "The provider's response did not open as a sealed response to this request.", null, "bad_provider_response", "server_error");
        return false;
    }

    public static void EnsureComplete(ResponseOpener opener)
    {
        if (!opener.IsComplete)
            throw Truncated();
    }

    public static ApiException Truncated() =>
        new(502, "The provider's response ended before its authenticated final chunk.", null, "bad_provider_response", "server_error");
}
