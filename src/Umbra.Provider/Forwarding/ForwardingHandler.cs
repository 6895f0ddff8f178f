using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Engine;
using Umbra.Provider.Identity;

namespace Umbra.Provider.Forwarding;

/// <summary>
/// Serves sealed requests by passing the opened OpenAI request to a local OpenAI-compatible server (llama-server,
/// vLLM, Ollama, `umbra serve`) on loopback, and sealing what it answers: each SSE event as its own chunk, or the
/// whole JSON response as one final chunk.
/// </summary>
public sealed class ForwardingHandler : SealedRequestHandler, IDisposable
{
    private readonly ForwardingOptions _options;
    private readonly HttpClient _http;

    public ForwardingHandler(ForwardingOptions options, InferenceKeyring keyring, ILogger? logger = null)
        : base(keyring, logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        // No proxy (an environment proxy would carry plaintext off the machine) and no redirects (one could
        // point anywhere); no overall timeout either, as a long generation is not a failure: cancellation ends it.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public IReadOnlyList<ModelOffer> Offers => [new(_options.ModelId, _options.ContextLength)];

    protected override bool Serves(string model) => model == _options.ModelId;

    private protected override bool KeepsBody => true;

    private protected override async Task ServeAsync(RequestMessage request, AcceptedRequest accepted, SealedResponse response, CancellationToken cancellationToken)
    {
        using var upstream = await SendUpstreamAsync(request.Handle, accepted, cancellationToken).ConfigureAwait(false);
        var usage = accepted.Parsed.Stream
            ? await RelayStreamAsync(upstream, accepted.Metadata.Model, response, cancellationToken).ConfigureAwait(false)
            : await RelayWholeAsync(upstream, accepted.Metadata.Model, response, cancellationToken).ConfigureAwait(false);
        await response.CompleteAsync(usage.Prompt, usage.Completion, cancellationToken).ConfigureAwait(false);
        Logger.Served(request.Handle, usage.Prompt, usage.Completion, response.Chunks);
    }

    private async Task<HttpResponseMessage> SendUpstreamAsync(string handle, AcceptedRequest accepted, CancellationToken cancellationToken)
    {
        var body = JsonObject.Create(accepted.Body!.Value)!;
        body["model"] = _options.UpstreamModel ?? _options.ModelId;
        // The final sealed chunk carries the usage, and billing needs it: ask for it whatever the client asked.
        if (accepted.Parsed.Stream)
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        string path = accepted.Chat ? "chat/completions" : "completions";
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseWithSlash(), path)) { Content = Json(body) };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accepted.Parsed.Stream ? "text/event-stream" : "application/json"));
        HttpResponseMessage upstream;
        try
        {
            upstream = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            Logger.UpstreamFailed(handle, e.GetType().Name);
            throw new RequestRefusedException(ProviderErrorCodes.UpstreamError, "The provider's local inference server could not be reached.");
        }
        if (upstream.IsSuccessStatusCode)
            return upstream;
        using (upstream)
        {
            int status = (int)upstream.StatusCode;
            Logger.UpstreamStatus(handle, status);
            string? code = await ErrorCodeAsync(upstream, cancellationToken).ConfigureAwait(false);
            // Its own message may quote the prompt, and goes nowhere; only the code and status do.
            throw code == ProviderErrorCodes.ContextLengthExceeded
                ? new RequestRefusedException(ProviderErrorCodes.ContextLengthExceeded, "The prompt and max_tokens do not fit the model's context.")
                : status is 400 or 422
                    ? new RequestRefusedException(ProviderErrorCodes.InvalidRequest, $"The provider's local inference server refused the request (HTTP {status}).")
                    : new RequestRefusedException(ProviderErrorCodes.UpstreamError, $"The provider's local inference server failed (HTTP {status}).");
        }
    }

    private static async Task<(int Prompt, int Completion)> RelayWholeAsync(HttpResponseMessage upstream, string model, SealedResponse response, CancellationToken cancellationToken)
    {
        var bytes = await upstream.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var (payload, usage) = Rewrite(bytes, model);
        await response.SendAsync(payload, final: true, cancellationToken).ConfigureAwait(false);
        return usage ?? (0, 0);
    }

    /// <summary>
    /// Relays each event as it comes, one behind: whether an event is the last is known only when the stream's
    /// [DONE] arrives, and the last one must be sealed as final.
    /// </summary>
    private static async Task<(int Prompt, int Completion)> RelayStreamAsync(HttpResponseMessage upstream, string model, SealedResponse response, CancellationToken cancellationToken)
    {
        await using var stream = await upstream.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        byte[]? held = null;
        (int, int)? usage = null;
        bool done = false;
        await foreach (var data in ServerSentEvents.ReadDataAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            if (data == "[DONE]")
            {
                done = true;
                break;
            }
            var (payload, eventUsage) = Rewrite(Encoding.UTF8.GetBytes(data), model);
            usage = eventUsage ?? usage;
            if (held != null)
                await response.SendAsync(held, final: false, cancellationToken).ConfigureAwait(false);
            held = payload;
        }
        // A stream cut off before [DONE] is incomplete; sealing its last event as final would say otherwise.
        if (!done || held == null)
            throw new RequestRefusedException(ProviderErrorCodes.UpstreamError, "The provider's local inference server ended the stream early.");
        await response.SendAsync(held, final: true, cancellationToken).ConfigureAwait(false);
        return usage ?? (0, 0);
    }

    /// <summary>Names the model as the client asked for it, and reads the usage if the payload has it.</summary>
    private static (byte[] Payload, (int, int)? Usage) Rewrite(byte[] json, string model)
    {
        JsonObject? node;
        try
        {
            node = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            node = null;
        }
        if (node == null || node.ContainsKey("error"))
            throw new RequestRefusedException(ProviderErrorCodes.UpstreamError, "The provider's local inference server sent an error or a malformed event.");
        if (node.ContainsKey("model"))
            node["model"] = model;
        (int, int)? usage = node["usage"] is JsonObject u && u["prompt_tokens"] is JsonValue p && u["completion_tokens"] is JsonValue c
            && p.TryGetValue(out int prompt) && c.TryGetValue(out int completion)
            ? (prompt, completion)
            : null;
        return (Serialize(node), usage);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage upstream, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await upstream.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return JsonNode.Parse(bytes)?["error"]?["code"] is JsonValue code && code.TryGetValue(out string? text) ? text : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or HttpRequestException)
        {
            return null;
        }
    }

    private static ByteArrayContent Json(JsonNode node)
    {
        var content = new ByteArrayContent(Serialize(node));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static byte[] Serialize(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            node.WriteTo(writer);
        return buffer.ToArray();
    }

    private Uri BaseWithSlash() =>
        _options.BaseUri.AbsoluteUri.EndsWith('/') ? _options.BaseUri : new Uri(_options.BaseUri.AbsoluteUri + "/");

    public void Dispose() => _http.Dispose();
}
