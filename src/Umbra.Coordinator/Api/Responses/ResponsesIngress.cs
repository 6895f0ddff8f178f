using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Api.Responses;

/// <summary>
/// <c>POST /v1/responses</c> from an ordinary OpenAI client: translated to chat.completions, sealed to the provider as
/// plain ingress does, and the provider's answer translated back into a response object or Responses stream events.
/// </summary>
internal sealed class ResponsesIngress(PlainIngress plain, ILogger<ResponsesIngress> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        plain.EnsureAllowed();
        var ct = context.RequestAborted;
        var body = await plain.ReadBodyAsync(context, ct);
        ResponsesRequest request;
        using (var document = JsonDocument.Parse(body))
            request = ResponsesTranslator.Translate(document.RootElement);
        var state = ResponseState.Start(request, request.Chat.Model);
        await plain.ServeAsync(context, RequestEndpoints.Responses, RequestEndpoints.ChatCompletions, request.ChatBody, request.Chat, (dispatched, opener) =>
            request.Chat.Stream ? StreamAsync(context, dispatched, opener, state, ct) : SingleAsync(context, dispatched, opener, state, ct));
    }

    private async Task SingleAsync(HttpContext context, Dispatched dispatched, ResponseOpener opener, ResponseState state, CancellationToken ct)
    {
        ChatPiece? answer = null;
        await foreach (var e in dispatched.EventsAsync(ct))
        {
            switch (e.Kind)
            {
                case RelayEventKind.Chunk when answer == null:
                    answer = ChatReader.Completion(PlainIngress.Open(opener, e));
                    break;
                case RelayEventKind.Chunk:
                    throw new ApiException(502, "The provider sent more than one chunk for a non-streamed request.", null, "bad_provider_response", "server_error");
                case RelayEventKind.Complete when answer != null:
                    PlainIngress.EnsureComplete(opener);
                    ApiLog.Completed(logger, dispatched.Relay.Handle, 1, e.PromptTokens, e.CompletionTokens);
                    var done = state.Finish(answer.Text ?? "", answer.FinishReason,
                        answer.PromptTokens ?? e.PromptTokens, answer.CompletionTokens ?? e.CompletionTokens);
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = "application/json";
                    await context.Response.Body.WriteAsync(ResponsesJson.Response(done), ct);
                    return;
                case RelayEventKind.Complete:
                    throw new ApiException(502, "The provider completed the request without a response.", null, "bad_provider_response", "server_error");
                case RelayEventKind.Failed:
                    ApiLog.Failed(logger, dispatched.Relay.Handle, e.Code ?? "", answer == null ? 0 : 1);
                    throw ProviderErrors.ToApi(e);
            }
        }
    }

    private async Task StreamAsync(HttpContext context, Dispatched dispatched, ResponseOpener opener, ResponseState state, CancellationToken ct)
    {
        var events = new ResponsesStream(new SseWriter(context.Response), state);
        var text = new StringBuilder();
        string? finish = null;
        int? promptTokens = null, completionTokens = null;
        var chunks = 0;
        await foreach (var e in dispatched.EventsAsync(ct))
        {
            switch (e.Kind)
            {
                case RelayEventKind.Chunk:
                    if (!PlainIngress.TryOpen(opener, e, out var payload, out var invalid))
                    {
                        await FailAsync(events, dispatched, invalid, chunks, ct);
                        return;
                    }
                    var piece = ChatReader.Chunk(payload);
                    await events.StartAsync(ct);
                    if (!string.IsNullOrEmpty(piece.Text))
                    {
                        text.Append(piece.Text);
                        await events.DeltaAsync(piece.Text, ct);
                    }
                    finish = piece.FinishReason ?? finish;
                    promptTokens = piece.PromptTokens ?? promptTokens;
                    completionTokens = piece.CompletionTokens ?? completionTokens;
                    chunks++;
                    break;
                case RelayEventKind.Complete:
                    if (!opener.IsComplete)
                    {
                        await FailAsync(events, dispatched, PlainIngress.Truncated(), chunks, ct);
                        return;
                    }
                    await events.StartAsync(ct);
                    await events.FinishAsync(state.Finish(text.ToString(), finish, promptTokens ?? e.PromptTokens, completionTokens ?? e.CompletionTokens), ct);
                    ApiLog.Completed(logger, dispatched.Relay.Handle, chunks, e.PromptTokens, e.CompletionTokens);
                    return;
                case RelayEventKind.Failed:
                    await FailAsync(events, dispatched, ProviderErrors.ToApi(e), chunks, ct);
                    return;
            }
        }
    }

    /// <summary>Before the stream starts, an HTTP error; after, the stream's <c>error</c> event.</summary>
    private async Task FailAsync(ResponsesStream events, Dispatched dispatched, ApiException error, int chunks, CancellationToken ct)
    {
        ApiLog.Failed(logger, dispatched.Relay.Handle, error.Code ?? "", chunks);
        if (!events.Started)
            throw error;
        await events.ErrorAsync(error, ct);
    }
}
