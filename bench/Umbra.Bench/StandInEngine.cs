using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Umbra.Protocol.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Bench;

/// <summary>
/// A test double for a provider's engine: opens the sealed request with its keyring as a real provider does,
/// then, instead of a model, waits <see cref="FirstToken"/> and streams <see cref="Tokens"/> chunks one every
/// <see cref="TokenInterval"/>. The first chunk's content is the request's own user message (the load
/// generator puts a unique id there), so the consumer can tell lost and duplicated requests apart.
/// </summary>
internal sealed class StandInEngine(InferenceKeyring keyring, int maxSequences) : IHubRequestHandler
{
    private int _running;
    private long _handlerTicks;
    private readonly List<double> _handlerMs = [];
    private readonly Lock _gate = new();

    public TimeSpan FirstToken { get; init; }

    public TimeSpan TokenInterval { get; init; }

    public int Tokens { get; init; } = 8;

    /// <summary>Wall time each request spent in this handler, from the call to its completion, in ms.</summary>
    public List<double> HandlerMs
    {
        get { lock (_gate) return [.. _handlerMs]; }
    }

    public long HandlerTicks => Interlocked.Read(ref _handlerTicks);

    /// <summary>What the built-in engine would report: sequences running, and a budget of 1024 tokens a slot.</summary>
    public IReadOnlyList<ModelCapacity> Capacity(string model)
    {
        var running = Volatile.Read(ref _running);
        return [new ModelCapacity
        {
            Id = model, Running = running, MaxSequences = maxSequences, TokensUsed = running * 1024, TokenBudget = maxSequences * 1024,
            PrefillTokensPerSecond = 2000, DecodeTokensPerSecond = TokenInterval > TimeSpan.Zero ? maxSequences * 1000 / TokenInterval.TotalMilliseconds : 10_000,
        }];
    }

    public async Task HandleAsync(RequestMessage request, HubResponseWriter response, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _running);
        try
        {
            using var opened = keyring.Open(SealedRequestEnvelope.Parse(JsonMarshal.GetRawUtf8Value(request.Envelope)));
            string id;
            using (var body = JsonDocument.Parse(opened.Body))
                id = body.RootElement.GetProperty("messages")[0].GetProperty("content").GetString() ?? "";
            var model = opened.Metadata.Model;
            if (FirstToken > TimeSpan.Zero)
                await Task.Delay(FirstToken, cancellationToken);
            for (var i = 0; i <= Tokens; i++)
            {
                if (i > 1 && TokenInterval > TimeSpan.Zero)
                    await Task.Delay(TokenInterval, cancellationToken);
                var last = i == Tokens;
                var chunk = new ChatCompletionChunk("chatcmpl-" + id, 1, model,
                    [new ChatChunkChoice(0, new ChatDelta(i == 0 ? "assistant" : null, last ? null : i == 0 ? id : " tok"), last ? "stop" : null)],
                    last ? new Usage(4, Tokens) : null);
                await response.WriteChunkAsync(opened.Response.Seal(JsonSerializer.SerializeToUtf8Bytes(chunk, OpenAiJson.Context.ChatCompletionChunk), final: last), cancellationToken);
            }
            await response.CompleteAsync(4, Tokens, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            var elapsed = Stopwatch.GetTimestamp() - started;
            Interlocked.Add(ref _handlerTicks, elapsed);
            lock (_gate)
                _handlerMs.Add(elapsed * 1000.0 / Stopwatch.Frequency);
        }
    }
}
