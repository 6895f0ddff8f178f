using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;
using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;
using Umbra.Inference.Tests.Model;

namespace Umbra.Inference.Tests.Generation;

/// <summary>Continuous batching: concurrent requests share one engine, one cache and one pass per step.</summary>
public sealed class BatchEngineTests : IDisposable
{
    private readonly TempFile _file = new();
    private readonly LlamaModel _model;

    public BatchEngineTests()
    {
        var shape = ReferenceForwardTests.SmallShape("llama") with { ContextLength = 128 };
        ModelSynthesizer.Write(_file.Path, new SynthesisOptions { Shape = shape, WeightType = GgmlType.Q8_0, Seed = 21 });
        _model = LlamaModel.Load(_file.Path);
    }

    public void Dispose()
    {
        _model.Dispose();
        _file.Dispose();
    }

    private static int[] Prompt(int length, int salt) =>
        Enumerable.Range(0, length).Select(i => 3 + (i * 31 + salt * 17) % 317).ToArray();

    private static GenerationRequest Request(int[] prompt, int max) => new()
    {
        PromptTokens = prompt,
        MaxTokens = max,
        Sampling = SamplingOptions.Greedy,
        IgnoreEndOfGeneration = true,
    };

    [Fact]
    public async Task Greedy_requests_give_the_same_text_alone_and_batched_with_others()
    {
        // Prompts longer than a step's token budget are prefilled in chunks between other streams' decode steps.
        var options = new EngineOptions { TokenBudget = 4 * 128, MaxSequences = 4, StepTokens = 24 };
        var requests = new[] { Request(Prompt(3, 1), 30), Request(Prompt(20, 2), 25), Request(Prompt(45, 3), 30), Request(Prompt(70, 4), 20) };
        using var generator = new TextGenerator(_model, 128, options: options);
        var alone = new List<string>();
        foreach (var r in requests) alone.Add((await generator.GenerateTextAsync(r)).Text);

        int mostRunning = 0;
        async Task<string> Run(GenerationRequest r)
        {
            var text = new System.Text.StringBuilder();
            await foreach (var u in generator.GenerateAsync(r))
            {
                text.Append(u.Text);
                mostRunning = Math.Max(mostRunning, generator.Capacity.Running);
            }
            return text.ToString();
        }
        var batched = await Task.WhenAll(requests.Select(Run));
        Assert.Equal(alone, batched);
        Assert.True(mostRunning >= 2, $"the requests should have run together (at most {mostRunning} seen running)");
        Assert.True(alone.All(t => t.Length > 0));
    }

    [Fact]
    public async Task A_request_the_cache_cannot_hold_yet_waits_and_then_runs()
    {
        // The budget holds one request of 100 positions at a time: the second waits for the first.
        using var generator = new TextGenerator(_model, 128, options: new EngineOptions { TokenBudget = 128 });
        var a = Request(Prompt(10, 5), 90);
        var b = Request(Prompt(12, 6), 88);
        string aloneB = (await generator.GenerateTextAsync(b)).Text;
        int mostWaiting = 0;
        Task<(string Text, GenerationUpdate Final)>? second = null;
        await foreach (var u in generator.GenerateAsync(a))
        {
            // The first request runs; the second arrives and must wait for its blocks.
            second ??= generator.GenerateTextAsync(b);
            mostWaiting = Math.Max(mostWaiting, generator.Capacity.Waiting);
        }
        var (textB, finalB) = await second!;
        Assert.Equal(aloneB, textB);
        Assert.Equal(88, finalB.CompletionTokens);
        Assert.Equal(1, mostWaiting);
        Assert.Equal(0, generator.Capacity.TokensUsed);
    }

    [Fact]
    public async Task Cancelling_a_request_gives_its_cache_back_and_others_continue()
    {
        using var generator = new TextGenerator(_model, 128, options: new EngineOptions { TokenBudget = 256 });
        var steady = Request(Prompt(8, 7), 60);
        string expected = (await generator.GenerateTextAsync(steady)).Text;
        using var cts = new CancellationTokenSource();
        var other = generator.GenerateTextAsync(steady);
        int updates = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in generator.GenerateAsync(Request(Prompt(30, 8), 90), cts.Token))
            {
                if (++updates == 2) await cts.CancelAsync();
            }
        });
        // Once the enumeration has ended the engine has freed the sequence: only the other one holds blocks.
        var capacity = generator.Capacity;
        Assert.True(capacity.TokensUsed <= 16 * ((8 + 60 + 15) / 16), $"{capacity.TokensUsed} tokens still reserved");
        Assert.Equal(expected, (await other).Text);
        Assert.Equal(0, generator.Capacity.TokensUsed);
        Assert.Equal(0, generator.Capacity.Running);
    }

    [Fact]
    public async Task Capacity_reports_the_budget_and_measured_speeds()
    {
        var options = new EngineOptions { TokenBudget = 300, MaxSequences = 6 };
        using var generator = new TextGenerator(_model, 128, options: options);
        var before = generator.Capacity;
        Assert.Equal((6, 128, 304, 0, 16, 0, 0), (before.MaxSequences, before.ContextLength, before.TokenBudget, before.TokensUsed, before.BlockSize, before.Running, before.Waiting));
        await generator.GenerateTextAsync(Request(Prompt(40, 9), 20));
        var after = generator.Capacity;
        Assert.True(after.PrefillTokensPerSecond > 0 && after.DecodeTokensPerSecond > 0, $"{after}");
        Assert.Equal(0, after.TokensUsed);
    }

    [Fact]
    public async Task Decoding_allocates_next_to_nothing_per_token()
    {
        using var engine = new BatchEngine(_model, 128, reusePrefix: false, new EngineOptions { TokenBudget = 512, MaxSequences = 4 });
        var sinks = Enumerable.Range(0, 3).Select(_ => new AllocationProbe(100)).ToArray();
        var sequences = sinks.Select((s, i) => new EngineSequence(Prompt(10 + i, i), 100, new Sampler(SamplingOptions.Greedy), true, s, default)).ToArray();
        foreach (var s in sequences) engine.Submit(s);
        await Task.WhenAll(sequences.Select(s => s.Completion.Task));
        // Measured on the engine's own thread, from token 20 to token 90 of one stream (3 streams running).
        double perToken = (sinks[0].AllocatedAt[90] - sinks[0].AllocatedAt[20]) / 70.0 / 3;
        Assert.True(perToken < 512, $"{perToken:F0} bytes allocated per generated token");
    }

    [Fact]
    public void The_default_F16_cache_takes_half_the_memory_of_F32_for_the_same_budget()
    {
        using var f16 = new BatchEngine(_model, 128, reusePrefix: false, new EngineOptions { TokenBudget = 512 });
        using var f32 = new BatchEngine(_model, 128, reusePrefix: false, new EngineOptions { TokenBudget = 512, KvCacheType = KvCacheType.F32 });
        Assert.Equal(f16.Capacity.TokenBudget, f32.Capacity.TokenBudget);
        Assert.Equal(KvCacheType.F16.BytesPerToken(_model.Config) * 512, f16.CacheBytes);
        Assert.Equal(2 * f16.CacheBytes, f32.CacheBytes);
        Assert.Throws<ArgumentException>(() => new BatchEngine(_model, 128, reusePrefix: false, new EngineOptions { KvCacheType = (KvCacheType)7 }));
    }

    [Fact]
    public void Freed_blocks_are_zeroed_and_reused()
    {
        var cache = new KvCache(_model.Config, 64);
        var pass = new ForwardPass(_model, cache, 16, 1, 64);
        var a = cache.CreateSequence(64);
        Assert.True(cache.TryReserve(a, 40));
        Assert.Equal(1, cache.FreeBlocks);
        Assert.False(cache.TryReserve(cache.CreateSequence(64), 20));
        pass.Add(a, Prompt(16, 1), wantLogits: true);
        pass.Run();
        Assert.True(KvCacheTests.Count(cache, 0, keys: true) > 0);
        cache.Release(a);
        Assert.Equal(4, cache.FreeBlocks);
        for (var l = 0; l < _model.Config.BlockCount; l++)
        {
            Assert.Equal(0, KvCacheTests.Count(cache, l, keys: true));
            Assert.Equal(0, KvCacheTests.Count(cache, l, keys: false));
        }
    }

    private sealed class AllocationProbe(int tokens) : ISequenceSink
    {
        public long[] AllocatedAt { get; } = new long[tokens + 1];

        public bool IsReady => true;

        public bool OnToken(int token, int promptTokens, int completionTokens)
        {
            AllocatedAt[completionTokens] = GC.GetAllocatedBytesForCurrentThread();
            return false;
        }

        public void OnFinished(FinishReason reason, int promptTokens, int completionTokens)
        {
        }

        public void OnFailed(Exception error) => throw new InvalidOperationException("The sequence failed.", error);
    }
}
