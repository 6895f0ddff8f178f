using System.Text;
using System.Text.Json;
using Umbra.Protocol.Hub;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Hub;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>
/// A provider's request handler for tests: opens the sealed request with the provider's key, as a real provider
/// does, and answers with sealed OpenAI JSON ("Hello from &lt;provider id&gt;") in place of a model.
/// </summary>
internal sealed class TestProviderHandler(string providerId, HpkePrivateKey key) : IHubRequestHandler
{
    private readonly RequestOpener _opener = new(new ReplayGuard());
    private int _requests;

    public ProviderBehavior Behavior { get; set; } = ProviderBehavior.Answer;

    /// <summary>The finish reason the answer ends with (<c>length</c> plays an answer cut short by its token limit).</summary>
    public string FinishReason { get; set; } = "stop";

    /// <summary>How long the provider thinks before its first chunk (a slow provider); cancelled like any work.</summary>
    public TimeSpan FirstChunkDelay { get; set; }

    /// <summary>The prompt tokens the provider reports using (in its answer's usage and its <c>complete</c>).</summary>
    public int PromptTokens { get; set; } = 3;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The plaintext body of the latest request, as the provider opened it.</summary>
    public string? LastBody { get; private set; }

    public TaskCompletionSource FirstChunkSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string[] Words => ["Hello", " from", " " + providerId];

    public async Task HandleAsync(RequestMessage request, HubResponseWriter response, CancellationToken cancellationToken)
    {
        var envelope = SealedRequestEnvelope.Parse(Encoding.UTF8.GetBytes(request.Envelope.GetRawText()));
        using var opened = _opener.Open(envelope, key);
        Interlocked.Increment(ref _requests);
        LastBody = Encoding.UTF8.GetString(opened.Body.Span);
        var metadata = opened.Metadata;
        if (Behavior == ProviderBehavior.Silent)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult();
            }
            return;
        }
        if (Behavior == ProviderBehavior.Draining)
        {
            await response.FailAsync("provider_draining", "The provider is shutting down and takes no new requests.", cancellationToken);
            return;
        }
        if (Behavior == ProviderBehavior.FailBeforeContent)
        {
            await response.FailAsync("context_length_exceeded", "The prompt is longer than this model's context.", cancellationToken);
            return;
        }
        if (FirstChunkDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(FirstChunkDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult();
                throw;
            }
        }
        var chat = metadata.Endpoint == RequestEndpoints.ChatCompletions;
        if (!metadata.Stream)
        {
            var text = string.Concat(Words);
            var whole = chat
                ? JsonSerializer.SerializeToUtf8Bytes(new ChatCompletion("chatcmpl-test", 1, metadata.Model,
                    [new ChatChoice(0, new ChatMessageDto("assistant", text), FinishReason)], new Usage(PromptTokens, Words.Length)), OpenAiJson.Context.ChatCompletion)
                : JsonSerializer.SerializeToUtf8Bytes(new TextCompletion("cmpl-test", 1, metadata.Model,
                    [new CompletionChoice(0, text, FinishReason)], new Usage(PromptTokens, Words.Length)), OpenAiJson.Context.TextCompletion);
            await response.WriteChunkAsync(opened.Response.Seal(whole, final: true), cancellationToken);
            await response.CompleteAsync(PromptTokens, Words.Length, cancellationToken);
            return;
        }
        for (var i = 0; i <= Words.Length; i++)
        {
            var last = i == Words.Length;
            var payload = StreamPayload(chat, metadata.Model, last ? null : Words[i], first: i == 0, last);
            await response.WriteChunkAsync(opened.Response.Seal(payload, final: last), cancellationToken);
            if (i == 0 && Behavior == ProviderBehavior.StallAfterFirstChunk)
            {
                FirstChunkSent.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled.TrySetResult();
                    throw;
                }
            }
        }
        await response.CompleteAsync(PromptTokens, Words.Length, cancellationToken);
    }

    private byte[] StreamPayload(bool chat, string model, string? word, bool first, bool last)
    {
        var usage = last ? new Usage(PromptTokens, Words.Length) : null;
        var finish = last ? FinishReason : null;
        return chat
            ? JsonSerializer.SerializeToUtf8Bytes(new ChatCompletionChunk("chatcmpl-test", 1, model,
                [new ChatChunkChoice(0, new ChatDelta(first ? "assistant" : null, word), finish)], usage), OpenAiJson.Context.ChatCompletionChunk)
            : JsonSerializer.SerializeToUtf8Bytes(new TextCompletion("cmpl-test", 1, model,
                [new CompletionChoice(0, word ?? "", finish)], usage), OpenAiJson.Context.TextCompletion);
    }
}
