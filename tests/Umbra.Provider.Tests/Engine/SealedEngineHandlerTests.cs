using System.Text.Json;
using Umbra.Inference.Generation;
using Umbra.Inference.Templates;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Engine;
using Umbra.Provider.Tests.Engine.Support;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Engine;

public sealed class SealedEngineHandlerTests
{
    private const string Completion = """{"model":"stories260K","prompt":"Once upon a time","max_tokens":24,"temperature":0}""";

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_sealed_completion_comes_back_as_one_final_chunk_with_the_engines_text_and_usage()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        var (envelope, pending) = provider.Seal(Completion, RequestEndpoints.Completions, EngineSetup.ModelId, 24, stream: false);
        using var ___ = pending;

        await provider.SendAsync("h-1", envelope);
        var response = await provider.ReadResponseAsync(pending);

        var (text, final) = await EngineSetup.DirectAsync(PromptBuilder.ForCompletion(EngineSetup.Model, "Once upon a time"), 24);
        Assert.StartsWith(", there was a little girl named Lily", text, StringComparison.Ordinal);
        Assert.Null(response.Error);
        var chunk = Assert.Single(response.Chunks);
        Assert.True(chunk.Final);
        Assert.Equal(envelope.Recipients[0].KeyId, chunk.KeyId);
        Assert.Equal(text, response.Text);
        using var doc = JsonDocument.Parse(response.Payloads[0]);
        Assert.Equal("text_completion", doc.RootElement.GetProperty("object").GetString());
        Assert.Equal(EngineSetup.ModelId, doc.RootElement.GetProperty("model").GetString());
        Assert.Equal((final.PromptTokens, final.CompletionTokens), response.FinalUsage);
        Assert.Equal((final.PromptTokens, final.CompletionTokens), (response.Complete!.PromptTokens, response.Complete.CompletionTokens));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_sealed_streamed_chat_comes_back_chunk_by_chunk_with_usage_on_the_final_one()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        const string body = """{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":20,"stream":true,"temperature":0}""";
        var (envelope, pending) = provider.Seal(body, RequestEndpoints.ChatCompletions, EngineSetup.ModelId, 20, stream: true);
        using var ___ = pending;

        await provider.SendAsync("h-chat", envelope);
        var response = await provider.ReadResponseAsync(pending);

        var prompt = PromptBuilder.ForChat(EngineSetup.Model, [new ChatMessage("user", "Once upon a time")]);
        var (text, final) = await EngineSetup.DirectAsync(prompt, 20);
        Assert.Null(response.Error);
        Assert.True(response.Chunks.Count > 2, $"expected a stream of chunks, got {response.Chunks.Count}");
        Assert.Equal(response.Chunks.Select((_, i) => i == response.Chunks.Count - 1), response.Chunks.Select(c => c.Final));
        Assert.All(response.Payloads, p => Assert.Contains("\"chat.completion.chunk\"", p, StringComparison.Ordinal));
        Assert.Contains("\"role\":\"assistant\"", response.Payloads[0], StringComparison.Ordinal);
        Assert.Equal(text, response.Text);
        Assert.Equal((final.PromptTokens, final.CompletionTokens), response.FinalUsage);
        Assert.Equal((final.PromptTokens, final.CompletionTokens), (response.Complete!.PromptTokens, response.Complete.CompletionTokens));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_streamed_completion_matches_the_engine_and_ends_with_a_final_chunk()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        const string body = """{"model":"stories260K","prompt":"Once upon a time","max_tokens":24,"stream":true,"stream_options":{"include_usage":true},"temperature":0}""";
        var (envelope, pending) = provider.Seal(body, RequestEndpoints.Completions, EngineSetup.ModelId, 24, stream: true);
        using var ___ = pending;

        await provider.SendAsync("h-s", envelope);
        var response = await provider.ReadResponseAsync(pending);

        var (text, final) = await EngineSetup.DirectAsync(PromptBuilder.ForCompletion(EngineSetup.Model, "Once upon a time"), 24);
        Assert.Equal(text, response.Text);
        Assert.True(response.Chunks[^1].Final);
        // include_usage: the last chunk is OpenAI's usage-only chunk.
        Assert.Contains("\"choices\":[]", response.Payloads[^1], StringComparison.Ordinal);
        Assert.Equal((final.PromptTokens, final.CompletionTokens), response.FinalUsage);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_replayed_envelope_is_refused_without_details()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        var (envelope, pending) = provider.Seal(Completion, RequestEndpoints.Completions, EngineSetup.ModelId, 24, stream: false);
        using var ___ = pending;

        await provider.SendAsync("h-first", envelope);
        Assert.NotNull((await provider.ReadResponseAsync(pending)).Complete);
        await provider.SendAsync("h-replay", envelope);
        var replay = await provider.ReadResponseAsync(pending);

        Assert.Empty(replay.Chunks);
        Assert.Equal(ProviderErrorCodes.SealingFailed, replay.Error!.Code);
        Assert.DoesNotContain("replay", replay.Error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task An_envelope_sealed_to_another_key_is_refused()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        using var stranger = HpkePrivateKey.Generate();
        var (envelope, pending) = ProviderHarness.Seal(Completion, RequestEndpoints.Completions, EngineSetup.ModelId, 24, false, [stranger.PublicKey]);
        using var ___ = pending;

        await provider.SendAsync("h-other", envelope);
        var response = await provider.ReadResponseAsync(pending);

        Assert.Equal(ProviderErrorCodes.SealingFailed, response.Error!.Code);
        Assert.False(response.Error.ContentSent);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_model_it_does_not_serve_is_model_not_found()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        var (envelope, pending) = provider.Seal(Completion.Replace("stories260K", "llama-70b", StringComparison.Ordinal), RequestEndpoints.Completions, "llama-70b", 24, stream: false);
        using var ___ = pending;

        await provider.SendAsync("h-model", envelope);

        Assert.Equal(ProviderErrorCodes.ModelNotFound, (await provider.ReadResponseAsync(pending)).Error!.Code);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_prompt_beyond_the_context_is_context_length_exceeded()
    {
        var (provider, engine) = await EngineSetup.StartAsync(contextLength: 64);
        await using var _ = provider;
        using var __ = engine;
        string prompt = string.Concat(Enumerable.Repeat("Once upon a time there was a cat. ", 20));
        var (envelope, pending) = provider.Seal($$"""{"model":"stories260K","prompt":"{{prompt}}","max_tokens":8}""", RequestEndpoints.Completions, EngineSetup.ModelId, 8, stream: false);
        using var ___ = pending;

        await provider.SendAsync("h-long", envelope);
        var error = (await provider.ReadResponseAsync(pending)).Error!;

        Assert.Equal(ProviderErrorCodes.ContextLengthExceeded, error.Code);
        Assert.DoesNotContain("cat", error.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Test)]
    [InlineData(24, true, "stream")]
    [InlineData(12, false, "max_tokens")]
    public async Task A_body_that_disagrees_with_its_sealed_routing_fields_is_refused(int maxTokens, bool stream, string field)
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        var (envelope, pending) = provider.Seal(Completion, RequestEndpoints.Completions, EngineSetup.ModelId, maxTokens, stream);
        using var ___ = pending;

        await provider.SendAsync("h-bound", envelope);
        var error = (await provider.ReadResponseAsync(pending)).Error!;

        Assert.Equal(ProviderErrorCodes.InvalidRequest, error.Code);
        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Cancel_stops_generation_at_once()
    {
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        int max = engine.Generator!.ContextLength - 16;
        var body = $$"""{"model":"stories260K","prompt":"Once","max_tokens":{{max}},"stream":true,"temperature":1.5,"seed":7}""";
        var (envelope, pending) = provider.Seal(body, RequestEndpoints.Completions, EngineSetup.ModelId, max, stream: true);
        using var ___ = pending;

        await provider.SendAsync("h-cancel", envelope);
        await provider.Connection.ReceiveAsync<Umbra.Protocol.Hub.ChunkMessage>();
        await provider.Connection.SendAsync(new Umbra.Protocol.Hub.CancelMessage { Handle = "h-cancel" });
        await Task.Delay(200);
        int stepsAfterCancel = engine.Generator!.Steps;
        await Task.Delay(300);

        Assert.Equal(stepsAfterCancel, engine.Generator!.Steps);
        Assert.True(stepsAfterCancel < max, $"generation ran to its end ({stepsAfterCancel} steps) instead of stopping");
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_canary_prompt_and_its_completion_never_reach_the_logs()
    {
        const string canary = "zebra-canary-7f3a9";
        var (provider, engine) = await EngineSetup.StartAsync();
        await using var _ = provider;
        using var __ = engine;
        var requests = new[]
        {
            ($$"""{"model":"stories260K","prompt":"{{canary}} Once upon a time","max_tokens":16,"temperature":0}""", 16, false),
            ($$"""{"model":"stories260K","prompt":"{{canary}}","max_tokens":3,"temperature":9}""", 3, false),
            ($$"""{"model":"stories260K","prompt":"{{canary}}","max_tokens":99,"temperature":0}""", 16, false),
        };
        var texts = new List<string>();
        foreach (var (body, max, stream) in requests)
        {
            var (envelope, pending) = provider.Seal(body, RequestEndpoints.Completions, EngineSetup.ModelId, max, stream);
            using var ___ = pending;
            await provider.SendAsync("h-" + texts.Count, envelope);
            texts.Add((await provider.ReadResponseAsync(pending)).Text);
        }

        Assert.NotEmpty(texts[0]);
        Assert.NotEmpty(provider.HandlerLog.Entries);
        foreach (var line in provider.AllLogText)
        {
            Assert.DoesNotContain(canary, line, StringComparison.Ordinal);
            Assert.DoesNotContain(texts[0].Trim(), line, StringComparison.Ordinal);
        }
    }
}
