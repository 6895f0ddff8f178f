using System.Diagnostics;
using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;

namespace Umbra.Inference.Diagnostics;

/// <summary>
/// Figures from one <see cref="EngineBenchmark"/> run. With several rounds, each speed and the time to first token
/// is the median of the rounds', and its range (<see cref="Spread"/>) is given beside it.
/// </summary>
/// <param name="DecodeTokensPerSecond">One stream's decode speed.</param>
/// <param name="ConcurrentDecodeTokensPerSecond">Aggregate decode speed (all streams together) by number of concurrent streams.</param>
/// <param name="AllocatedBytesPerToken">
/// Managed bytes the engine thread allocated per generated token while the fewest streams decoded, in the first round.
/// </param>
/// <param name="PrefillTokensPerSecond">The prompt's tokens over the (median) time to first token.</param>
/// <param name="Kernels">Which kernels ran: the instruction-set path, the integer dots, the attention kernel.</param>
/// <param name="DecodeStepMs">
/// By number of concurrent streams: mean milliseconds of a step in which every stream decodes, by phase of the
/// forward pass (names in <c>StepTimings.PhaseNames</c>, plus "total"), the mean over the rounds that had such a step.
/// A level with none in any round is left out.
/// </param>
/// <param name="Rounds">How many times each figure was measured.</param>
/// <param name="PrefillRange">The slowest and fastest round's prefill.</param>
/// <param name="TimeToFirstTokenRangeMs">The shortest and longest round's time to first token.</param>
/// <param name="ConcurrentDecodeRange">The slowest and fastest round's aggregate decode speed, by number of concurrent streams.</param>
public sealed record EngineBenchmarkResult(
    string Model,
    string Architecture,
    string WeightTypes,
    int PromptTokens,
    int GeneratedTokens,
    double PrefillTokensPerSecond,
    double DecodeTokensPerSecond,
    double TimeToFirstTokenMs,
    IReadOnlyDictionary<int, double> ConcurrentDecodeTokensPerSecond,
    long PeakWorkingSetBytes,
    double AllocatedBytesPerToken,
    int Threads,
    IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> DecodeStepMs,
    KvCacheType KvCacheType,
    long KvCacheBytes,
    int KvCacheTokens,
    string Kernels,
    int Rounds,
    Spread PrefillRange,
    Spread TimeToFirstTokenRangeMs,
    IReadOnlyDictionary<int, Spread> ConcurrentDecodeRange);

/// <summary>The least and the greatest of a figure's measurements.</summary>
public readonly record struct Spread(double Min, double Max)
{
    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count), and their spread.</summary>
    public static (double Median, Spread Spread) Of(IReadOnlyList<double> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return (median, new Spread(sorted[0], sorted[^1]));
    }
}

/// <summary>
/// Measures a model on this machine through the batching engine: prefill (one prompt of random, seeded,
/// ordinary tokens; time to its first token), then greedy decode by 1, 2, 4... concurrent streams, each
/// with its own prompt, reporting the aggregate tokens/s while all of them are decoding. With several streams,
/// each generates as many more tokens as the other prompts' prefill takes steps, so that all of them decode
/// together for the tokens asked, as far as the model's context leaves room. With several rounds, the whole
/// measurement (prefill, then every level, in turn ascending and descending) runs that many times after one warm-up,
/// so a machine whose speed drifts (a shared host) moves every figure alike, and each figure is the median of its rounds.
/// </summary>
public static class EngineBenchmark
{
    public static readonly IReadOnlyList<int> DefaultConcurrency = [1, 2, 4, 8, 16];

    /// <summary>The most rounds one run measures.</summary>
    public const int MaxRounds = 100;

    public static async Task<EngineBenchmarkResult> RunAsync(LlamaModel model, int promptTokens, int generatedTokens,
        IReadOnlyList<int>? concurrency = null, ulong seed = 1, KvCacheType kvCacheType = KvCacheType.F16, int rounds = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(generatedTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rounds, MaxRounds);
        var levels = (concurrency is { Count: > 0 } ? concurrency : DefaultConcurrency).Distinct().Order().ToArray();
        if (levels[0] < 1) throw new ArgumentOutOfRangeException(nameof(concurrency), "Concurrency levels must be at least 1.");
        int needed = promptTokens + generatedTokens;
        if (needed > model.Config.ContextLength)
            throw new ContextLengthExceededException(needed, model.Config.ContextLength);

        var rng = new Random(unchecked((int)seed));
        int vocab = model.Config.VocabSize;
        // Ordinary tokens: past the control and byte tokens at the start of most vocabularies, where there is room.
        int first = vocab > 600 ? 300 : 0;
        int[] NewPrompt(int length) => Enumerable.Range(0, length).Select(_ => rng.Next(first, vocab)).ToArray();

        int most = levels[^1];
        int stepTokens = Math.Max(128, 2 * most);
        // With N streams, the last prompt is prefilled only after the others' (a step holds stepTokens tokens, one per
        // decoding stream, the rest prompt). Each stream generates that many steps' tokens more, so that all of them
        // decode together for the tokens asked; else, with long prompts, the first streams finish before the last
        // starts and the aggregate rate measures prefill. Within the context length.
        int Lead(int streams) => ExtraTokens(streams, promptTokens, stepTokens, model.Config.ContextLength - needed);
        int room = needed + Lead(most);
        // Each sequence reserves whole cache blocks: a budget of exactly most × room would leave the last stream
        // waiting for a block until the first finished.
        var options = new EngineOptions { TokenBudget = most * (room + KvCache.DefaultBlockSize), MaxSequences = most, StepTokens = stepTokens, KvCacheType = kvCacheType };
        using var engine = new BatchEngine(model, room, reusePrefix: false, options);

        // Warm-up: page in the weights and let the JIT promote the hot loops to fully optimized code (after 30
        // calls and a delay, compiled in the background). Measured before that, small models run 10x slower.
        var warmWatch = Stopwatch.StartNew();
        for (int round = 0; round < 3 || warmWatch.ElapsedMilliseconds < 2000; round++)
            await RunStreamsAsync(engine, Math.Min(2, most), () => NewPrompt(Math.Min(promptTokens, 16)), Math.Min(generatedTokens, 8), cancellationToken).ConfigureAwait(false);

        var ttfts = new List<double>();
        var rates = levels.ToDictionary(l => l, _ => new List<double>());
        var phaseRounds = levels.ToDictionary(l => l, _ => new List<IReadOnlyDictionary<string, double>>());
        var timings = new StepTimings(levels);
        double allocatedPerToken = 0;
        for (int round = 0; round < rounds; round++)
        {
            // Prefill: time to the first token of one prompt, the best of two.
            engine.Timings = null;
            double ttft = double.MaxValue;
            for (int i = 0; i < 2; i++)
            {
                var probe = (await RunStreamsAsync(engine, 1, () => NewPrompt(promptTokens), 1, cancellationToken).ConfigureAwait(false))[0];
                ttft = Math.Min(ttft, Stopwatch.GetElapsedTime(probe.Submitted, probe.TokenTimes[1]).TotalSeconds);
            }
            ttfts.Add(ttft);

            engine.Timings = timings;
            // Every other round takes the stream counts the other way round, so a drift slower than a round moves the
            // high counts as much as the low ones.
            foreach (int streams in round % 2 == 0 ? levels : Enumerable.Reverse(levels))
            {
                int tokens = generatedTokens + Lead(streams);
                timings.Clear();
                var sinks = await RunStreamsAsync(engine, streams, () => NewPrompt(promptTokens), tokens, cancellationToken).ConfigureAwait(false);
                rates[streams].Add(AggregateDecodeRate(sinks, tokens));
                if (timings.MeanMs(streams) is { } phases)
                    phaseRounds[streams].Add(phases);
                if (round == 0 && streams == levels[0] && generatedTokens > 1)
                    allocatedPerToken = (double)(sinks[0].Allocated[generatedTokens] - sinks[0].Allocated[1]) / (generatedTokens - 1) / streams;
            }
        }

        // Prefill is the prompt over the median time to first token, so the two figures describe the same measurement
        // (with an even count, the median of the rates would not be the rate of the median time).
        var (medianTtft, ttftRange) = Spread.Of(ttfts);
        var prefill = promptTokens / medianTtft;
        var prefillRange = new Spread(promptTokens / ttftRange.Max, promptTokens / ttftRange.Min);
        var concurrent = new SortedDictionary<int, double>();
        var concurrentRange = new SortedDictionary<int, Spread>();
        foreach (var (streams, measured) in rates)
            (concurrent[streams], concurrentRange[streams]) = Spread.Of(measured);
        var stepMs = new SortedDictionary<int, IReadOnlyDictionary<string, double>>();
        foreach (var (streams, measured) in phaseRounds)
        {
            if (measured.Count > 0)
                stepMs[streams] = measured[0].Keys.ToDictionary(phase => phase, phase => measured.Average(m => m[phase]));
        }

        var types = model.File.BytesByType().OrderByDescending(kv => kv.Value).Select(kv => kv.Key.ToString());
        return new EngineBenchmarkResult(
            model.Id,
            model.Config.Architecture,
            string.Join(",", types),
            promptTokens,
            generatedTokens,
            prefill,
            concurrent[levels[0]] / levels[0],
            medianTtft * 1000,
            concurrent,
            Process.GetCurrentProcess().PeakWorkingSet64,
            allocatedPerToken,
            Environment.ProcessorCount,
            stepMs,
            kvCacheType,
            engine.CacheBytes,
            engine.Capacity.TokenBudget,
            KernelReport.Describe(model.Config),
            rounds,
            prefillRange,
            new Spread(ttftRange.Min * 1000, ttftRange.Max * 1000),
            concurrentRange);
    }

    /// <summary>
    /// Tokens each of <paramref name="streams"/> streams generates beyond those measured, so that all of them decode
    /// together for those: the steps the prompts' prefill takes once the first stream decodes (each step holds
    /// <paramref name="stepTokens"/> tokens, one per decoding stream), at most <paramref name="spare"/>.
    /// </summary>
    internal static int ExtraTokens(int streams, int promptTokens, int stepTokens, int spare)
    {
        if (streams <= 1 || spare <= 0)
            return 0;
        var prefillPerStep = Math.Max(1, stepTokens - streams);
        return (int)Math.Min(spare, ((long)streams * promptTokens + prefillPerStep - 1) / prefillPerStep + 1);
    }

    private static async Task<TimingSink[]> RunStreamsAsync(BatchEngine engine, int streams, Func<int[]> prompt, int tokens, CancellationToken ct)
    {
        var sinks = new TimingSink[streams];
        var sequences = new EngineSequence[streams];
        for (int i = 0; i < streams; i++)
        {
            sinks[i] = new TimingSink(tokens);
            sequences[i] = new EngineSequence(prompt(), tokens, new Sampler(SamplingOptions.Greedy), ignoreEndOfGeneration: true, sinks[i], ct);
        }
        for (int i = 0; i < streams; i++)
        {
            sinks[i].Submitted = Stopwatch.GetTimestamp();
            engine.Submit(sequences[i]);
        }
        await Task.WhenAll(sequences.Select(s => s.Completion.Task)).ConfigureAwait(false);
        foreach (var s in sinks)
        {
            if (s.Error != null) throw new InvalidOperationException("A benchmark stream failed.", s.Error);
        }
        return sinks;
    }

    /// <summary>
    /// Generated tokens per second, all streams together, over the window in which every stream was decoding:
    /// from the last stream's first token (all prompts prefilled) to the first stream's last token.
    /// </summary>
    private static double AggregateDecodeRate(TimingSink[] sinks, int tokens)
    {
        if (tokens < 2) return 0;
        long start = sinks.Max(s => s.TokenTimes[1]);
        long end = sinks.Min(s => s.TokenTimes[tokens]);
        long counted = 0;
        if (end > start)
        {
            foreach (var s in sinks)
            {
                for (int t = 2; t <= tokens; t++)
                {
                    if (s.TokenTimes[t] > start && s.TokenTimes[t] <= end) counted++;
                }
            }
        }
        if (counted < sinks.Length)
        {
            // Too short a window (few tokens, many streams): count every decode token over the whole span.
            start = sinks.Min(s => s.TokenTimes[1]);
            end = sinks.Max(s => s.TokenTimes[tokens]);
            counted = (long)sinks.Length * (tokens - 1);
        }
        return counted / Stopwatch.GetElapsedTime(start, end).TotalSeconds;
    }

    /// <summary>Records when each token came and what the engine thread had allocated by then; allocates nothing itself.</summary>
    private sealed class TimingSink(int tokens) : ISequenceSink
    {
        public long Submitted { get; set; }
        public long[] TokenTimes { get; } = new long[tokens + 1];
        public long[] Allocated { get; } = new long[tokens + 1];
        public Exception? Error { get; private set; }

        public bool IsReady => true;

        public bool OnToken(int token, int promptTokens, int completionTokens)
        {
            TokenTimes[completionTokens] = Stopwatch.GetTimestamp();
            Allocated[completionTokens] = GC.GetAllocatedBytesForCurrentThread();
            return false;
        }

        public void OnFinished(FinishReason reason, int promptTokens, int completionTokens)
        {
        }

        public void OnFailed(Exception error) => Error = error;
    }
}
