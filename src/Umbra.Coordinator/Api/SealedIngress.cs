using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Attestation;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Api;

/// <summary>
/// A request the client sealed itself: the coordinator reads the routing fields, never the body, forwards the
/// envelope's bytes to a provider holding one of its recipient keys, and relays the sealed chunks as they come.
/// </summary>
internal sealed class SealedIngress(RequestDispatcher dispatcher, CoordinatorOptions options, ILogger<SealedIngress> logger)
{
    public const string ContentType = "application/umbra-sealed+json";

    public async Task HandleAsync(HttpContext context, string endpoint)
    {
        var ct = context.RequestAborted;
        var body = await BodyReader.ReadAsync(context.Request, options.MaxRequestBodyBytes, ct);
        var envelope = SealedRequestEnvelope.Parse(body);
        var metadata = envelope.Metadata;
        if (!string.Equals(metadata.Endpoint, endpoint, StringComparison.Ordinal))
        {
            throw new ApiException(400,
                $"The sealed request is for the '{metadata.Endpoint}' endpoint but was sent to {context.Request.Path}; send it to the path its endpoint names.",
                "endpoint", "endpoint_mismatch");
        }
        // The same bytes, as a JSON value the hub message embeds unchanged.
        using var document = JsonDocument.Parse(body);
        var keyIds = envelope.Recipients.Select(r => r.KeyId).ToList();
        var summary = new RequestSummary("sealed", endpoint, metadata.Model, metadata.Stream, envelope.Ciphertext.Length, metadata.MaxTokens) { Tenant = ApiKeyFilter.TenantOf(context) };
        var dispatched = await dispatcher.DispatchAsync(context.Response, summary, keyIds, _ => document.RootElement, ct);
        var relay = dispatched.Relay;
        try
        {
            TrustHeaders.Apply(context.Response, relay.Provider);
            if (metadata.Stream)
                await StreamAsync(context, dispatched, ct);
            else
                await SingleAsync(context, dispatched, ct);
        }
        finally
        {
            if (!relay.IsEnded)
                await relay.Provider.CancelAsync(relay);
            dispatched.Finish(null);
        }
    }

    private async Task StreamAsync(HttpContext context, Dispatched dispatched, CancellationToken ct)
    {
        var sse = new SseWriter(context.Response);
        using var responseHash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var chunks = 0;
        await foreach (var e in dispatched.EventsAsync(ct))
        {
            switch (e.Kind)
            {
                case RelayEventKind.Chunk:
                    if (!sse.Started)
                        await sse.StartAsync(ct);
                    responseHash.AppendData(e.ChunkJson.Span);
                    await sse.WriteAsync(e.ChunkJson, ct);
                    chunks++;
                    break;
                case RelayEventKind.Complete:
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
                    // Content has gone out: the status is sent, so the error travels in band, and no [DONE] follows.
                    await sse.WriteAsync(ApiErrors.Json(ProviderErrors.ToApi(e)), ct);
                    return;
            }
        }
    }

    private async Task SingleAsync(HttpContext context, Dispatched dispatched, CancellationToken ct)
    {
        ReadOnlyMemory<byte>? chunk = null;
        await foreach (var e in dispatched.EventsAsync(ct))
        {
            switch (e.Kind)
            {
                case RelayEventKind.Chunk when chunk == null:
                    chunk = e.ChunkJson;
                    break;
                case RelayEventKind.Chunk:
                    ApiLog.Failed(logger, dispatched.Relay.Handle, "extra_chunk", 2);
                    throw new ApiException(502, "The provider sent more than one chunk for a non-streamed request.", null, "bad_provider_response", "server_error");
                case RelayEventKind.Complete when chunk is { } json:
                    ApiLog.Completed(logger, dispatched.Relay.Handle, 1, e.PromptTokens, e.CompletionTokens);
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = ContentType;
                    TrustHeaders.ApplyWhole(context.Response, json.Span, e.Receipt);
                    await context.Response.Body.WriteAsync(json, ct);
                    return;
                case RelayEventKind.Complete:
                    throw new ApiException(502, "The provider completed the request without a response.", null, "bad_provider_response", "server_error");
                case RelayEventKind.Failed:
                    ApiLog.Failed(logger, dispatched.Relay.Handle, e.Code ?? "", chunk == null ? 0 : 1);
                    throw ProviderErrors.ToApi(e);
            }
        }
    }
}
