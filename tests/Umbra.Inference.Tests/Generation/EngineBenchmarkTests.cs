using Umbra.Inference.Diagnostics;
using Umbra.Inference.Model;
using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;
using Umbra.Inference.Tests.Model;

namespace Umbra.Inference.Tests.Generation;

/// <summary>
/// The benchmark's concurrency runs: each stream generates enough more tokens that all of them decode together
/// for the tokens asked, even when the prompts take many steps to prefill. Figures are not asserted (timings never
/// are); that the runs complete within the context and report a rate for every level is.
/// </summary>
public class EngineBenchmarkTests
{
    [Theory]
    [InlineData(1, 1000, 256, 500, 0)]     // one stream: nothing to wait for
    [InlineData(8, 1000, 256, 500, 34)]    // 8000 prompt tokens, 248 per step: 33 steps, and one for the last token
    [InlineData(8, 128, 256, 500, 6)]
    [InlineData(16, 128, 256, 500, 10)]
    [InlineData(8, 1000, 256, 20, 20)]     // no more than the context leaves
    [InlineData(300, 10, 256, 500, 500)]   // more streams than a step holds: one prompt token per step, capped
    public void Extra_tokens_cover_the_other_prompts_prefill(int streams, int prompt, int stepTokens, int spare, int expected) =>
        Assert.Equal(expected, EngineBenchmark.ExtraTokens(streams, prompt, stepTokens, spare));

    [Fact]
    public async Task Long_prompts_with_several_streams_report_every_level()
    {
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions { Shape = ReferenceForwardTests.SmallShape("llama") with { ContextLength = 256 }, WeightType = GgmlType.Q8_0, Seed = 4 });
        using var model = LlamaModel.Load(tmp.Path);
        // 4 prompts of 200 tokens take 7 steps of 128 to prefill, longer than 4 tokens of generation.
        var result = await EngineBenchmark.RunAsync(model, promptTokens: 200, generatedTokens: 4, concurrency: [1, 4]);
        Assert.Equal([1, 4], result.ConcurrentDecodeTokensPerSecond.Keys);
        Assert.All(result.ConcurrentDecodeTokensPerSecond.Values, rate => Assert.True(rate > 0 && double.IsFinite(rate), $"rate {rate}"));
        Assert.True(result.PrefillTokensPerSecond > 0);
        // Only steps where every stream decodes are broken down, by level: none for the prefill in between.
        Assert.Contains(1, result.DecodeStepMs.Keys);
        Assert.All(result.DecodeStepMs.Keys, level => Assert.Contains(level, new[] { 1, 4 }));
        foreach (var phases in result.DecodeStepMs.Values)
        {
            Assert.Equal([.. StepTimings.PhaseNames, "total"], phases.Keys);
            Assert.All(phases.Values, ms => Assert.True(ms >= 0 && double.IsFinite(ms), $"{ms} ms"));
            Assert.True(phases["total"] > 0);
            Assert.Equal(phases["total"], phases.Where(p => p.Key != "total").Sum(p => p.Value), 1e-9);
        }
    }

    [Fact]
    public async Task Rounds_report_the_median_of_each_figure_and_its_range()
    {
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions { Shape = ReferenceForwardTests.SmallShape("llama"), WeightType = GgmlType.Q4_0, Seed = 5 });
        using var model = LlamaModel.Load(tmp.Path);
        // An even count: the median is the mean of the middle two.
        var result = await EngineBenchmark.RunAsync(model, promptTokens: 8, generatedTokens: 4, concurrency: [1, 2], rounds: 4);
        Assert.Equal(4, result.Rounds);
        Assert.InRange(result.PrefillTokensPerSecond, result.PrefillRange.Min, result.PrefillRange.Max);
        Assert.InRange(result.TimeToFirstTokenMs, result.TimeToFirstTokenRangeMs.Min, result.TimeToFirstTokenRangeMs.Max);
        // Prefill and time to first token describe the same measurement.
        Assert.Equal(result.PromptTokens / (result.TimeToFirstTokenMs / 1000), result.PrefillTokensPerSecond, 1e-9);
        Assert.Equal(result.PromptTokens / (result.TimeToFirstTokenRangeMs.Max / 1000), result.PrefillRange.Min, 1e-9);
        Assert.Equal([1, 2], result.ConcurrentDecodeRange.Keys);
        foreach (var (streams, rate) in result.ConcurrentDecodeTokensPerSecond)
            Assert.InRange(rate, result.ConcurrentDecodeRange[streams].Min, result.ConcurrentDecodeRange[streams].Max);
        Assert.True(result.PrefillRange.Min > 0);
        Assert.Contains(1, result.DecodeStepMs.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(EngineBenchmark.MaxRounds + 1)]
    public async Task Rounds_out_of_range_are_refused_before_anything_runs(int rounds)
    {
        using var tmp = new TempFile();
        ModelSynthesizer.Write(tmp.Path, new SynthesisOptions { Shape = ReferenceForwardTests.SmallShape("llama"), WeightType = GgmlType.Q4_0, Seed = 5 });
        using var model = LlamaModel.Load(tmp.Path);
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EngineBenchmark.RunAsync(model, 8, 4, [1], rounds: rounds));
        Assert.Equal("rounds", error.ParamName);
    }

    [Theory]
    [InlineData(new[] { 5.0 }, 5.0, 5.0, 5.0)]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0, 1.0, 3.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5, 1.0, 4.0)]   // even: the mean of the middle two
    [InlineData(new[] { 7.0, 7.0, 1.0 }, 7.0, 1.0, 7.0)]
    public void Spread_gives_the_median_and_the_extremes(double[] values, double median, double min, double max)
    {
        var (m, spread) = Spread.Of(values);
        Assert.Equal(median, m);
        Assert.Equal(new Spread(min, max), spread);
    }

    [Fact]
    public void Spread_of_nothing_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Spread.Of([]));

    [Fact]
    public void Step_timings_keep_decode_steps_apart_by_stream_count_and_clear_without_forgetting_room()
    {
        var timings = new StepTimings([1, 8]);
        Assert.Null(timings.MeanMs(1));
        for (var step = 0; step < 2; step++)
        {
            var timer = timings.Begin(8);
            timer.Mark(StepPhase.GateUp);
            timer.Mark(StepPhase.Down);
        }
        var eight = timings.MeanMs(8)!;
        Assert.Equal(eight["total"], eight["gate_up"] + eight["down"], 1e-12);
        Assert.Equal(0, eight["attention"]);
        Assert.Null(timings.MeanMs(1));
        Assert.Null(timings.MeanMs(3));
        timings.Clear();
        Assert.Null(timings.MeanMs(8));
        // Cleared, the room stays: timing a registered count allocates nothing, and an unregistered one records nothing.
        TimeBoth(timings);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            TimeBoth(timings);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.NotNull(timings.MeanMs(8));
        Assert.Null(timings.MeanMs(3));
        // A timer made by default (timing off) records nothing and does not throw.
        default(StepTimer).Mark(StepPhase.Attention);
    }

    private static void TimeBoth(StepTimings timings)
    {
        var registered = timings.Begin(8);
        registered.Mark(StepPhase.Attention);
        var unregistered = timings.Begin(3);
        unregistered.Mark(StepPhase.Attention);
    }
}
