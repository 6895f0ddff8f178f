using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;

namespace Umbra.Inference.Tests.Generation;

public class TextGeneratorTests
{
    private static GenerationRequest Request(LlamaModel model, string prompt, int max, SamplingOptions? sampling = null) => new()
    {
        PromptTokens = PromptBuilder.ForCompletion(model, prompt),
        MaxTokens = max,
        Sampling = sampling ?? SamplingOptions.Greedy,
    };

    [Fact]
    public async Task The_same_seed_gives_the_same_text_and_another_seed_differs()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        var sampling = new SamplingOptions { Temperature = 1.0f, Seed = 1234 };
        var (a, _) = await generator.GenerateTextAsync(Request(model, "Once upon a time", 40, sampling));
        var (b, _) = await generator.GenerateTextAsync(Request(model, "Once upon a time", 40, sampling));
        Assert.Equal(a, b);
        var texts = new HashSet<string>();
        for (ulong seed = 1; seed <= 4; seed++)
            texts.Add((await generator.GenerateTextAsync(Request(model, "Once upon a time", 40, sampling with { Seed = seed }))).Text);
        Assert.True(texts.Count > 1, "different seeds should not all give the same text");
    }

    [Fact]
    public async Task A_stop_sequence_ends_generation_and_is_not_returned()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        var request = Request(model, "Once upon a time", 40) with { Stop = ["Lily"] };
        var (text, final) = await generator.GenerateTextAsync(request);
        Assert.Equal(", there was a little girl named ", text);
        Assert.Equal(FinishReason.Stop, final.Finish);
    }

    [Fact]
    public async Task Streamed_deltas_concatenate_to_the_whole_text()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        var (whole, _) = await generator.GenerateTextAsync(Request(model, "Once upon a time", 30));
        var parts = new List<string>();
        await foreach (var u in generator.GenerateAsync(Request(model, "Once upon a time", 30)))
            parts.Add(u.Text);
        Assert.True(parts.Count > 5);
        Assert.Equal(whole, string.Concat(parts));
    }

    [Fact]
    public async Task Cancellation_stops_generation_within_one_step()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        using var cts = new CancellationTokenSource();
        int updates = 0, stepsAtCancel = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in generator.GenerateAsync(Request(model, "Once upon a time", 200) with { IgnoreEndOfGeneration = true }, cts.Token))
            {
                if (++updates == 3)
                {
                    // Read after the signal: the worker may be inside one step then, and must not start another.
                    await cts.CancelAsync();
                    stepsAtCancel = generator.Steps;
                }
            }
        });
        // The enumeration ends only once the worker has stopped: at most one more step ran after the cancel.
        Assert.Equal(3, updates);
        Assert.InRange(generator.Steps - stepsAtCancel, 0, 1);
        Assert.True(generator.Steps < 200);
        // The generator is free again at once.
        var (text, _) = await generator.GenerateTextAsync(Request(model, "Once upon a time", 5));
        Assert.NotEmpty(text);
    }

    [Fact]
    public async Task With_prefix_reuse_a_prompt_evaluates_only_what_differs_and_gives_the_same_text()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var cached = new TextGenerator(model, 256, reusePrefix: true);
        await cached.GenerateTextAsync(Request(model, "Once upon a time", 5));

        var longer = Request(model, "Once upon a time, there was", 20);
        int before = cached.Steps;
        var (again, final) = await cached.GenerateTextAsync(longer);
        int shared = PromptBuilder.ForCompletion(model, "Once upon a time").Length;
        // At least the first prompt is reused (its generated continuation too, where the new prompt repeats it).
        Assert.InRange(cached.Steps - before, final.CompletionTokens, longer.PromptTokens.Count - shared + final.CompletionTokens - 1);

        // A prompt that diverges early rewinds to the shared part.
        var diverging = Request(model, "Once upon a dog", 10);
        var (diverged, _) = await cached.GenerateTextAsync(diverging);

        using var fresh = new TextGenerator(model, 256);
        Assert.Equal((await fresh.GenerateTextAsync(longer)).Text, again);
        Assert.Equal((await fresh.GenerateTextAsync(diverging)).Text, diverged);
    }

    [Fact]
    public async Task Without_prefix_reuse_every_request_evaluates_its_whole_prompt()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        var request = Request(model, "Once upon a time", 6);
        await generator.GenerateTextAsync(request);
        int before = generator.Steps;
        var (_, final) = await generator.GenerateTextAsync(request);
        Assert.Equal(request.PromptTokens.Count + final.CompletionTokens - 1, generator.Steps - before);
    }

    [Fact]
    public async Task A_max_tokens_near_int_max_is_refused_not_overflowed()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        var request = Request(model, "Once upon a time", int.MaxValue);
        Assert.Throws<ContextLengthExceededException>(() => generator.ResolveMaxTokens(request));
        await Assert.ThrowsAsync<ContextLengthExceededException>(() => generator.GenerateTextAsync(request));
        Assert.Equal(0, generator.Steps);
    }

    [Fact]
    public async Task Frequency_penalty_counts_generated_tokens_not_the_prompt()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        // A prompt full of "Lily" must not stop the model from saying it once: only output counts.
        var prompt = string.Join(' ', Enumerable.Repeat("Lily", 30)) + ". Once upon a time";
        var penalized = Request(model, prompt, 30, new SamplingOptions { Temperature = 0, FrequencyPenalty = 2 });
        var plain = Request(model, prompt, 30);
        var (a, _) = await generator.GenerateTextAsync(penalized);
        var (b, _) = await generator.GenerateTextAsync(plain);
        int firstDifference = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        Assert.True(firstDifference > 0, "the first generated token has no earlier output to penalize, so it must match greedy");
    }
}
