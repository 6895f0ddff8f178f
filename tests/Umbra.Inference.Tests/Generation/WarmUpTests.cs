using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;
using Umbra.Inference.Templates;

namespace Umbra.Inference.Tests.Generation;

/// <summary>
/// <see cref="TextGenerator.WarmUpAsync"/> on the real stories260K model: it runs the two passes it documents, leaves
/// the second's speeds as the engine's, stays within a short context, and changes nothing a later request gets.
/// </summary>
public class WarmUpTests
{
    private static GenerationRequest Greedy(LlamaModel model, string prompt, int max) => new()
    {
        PromptTokens = PromptBuilder.ForCompletion(model, prompt),
        MaxTokens = max,
        Sampling = SamplingOptions.Greedy,
    };

    /// <summary>Tokens evaluated by one request: its prompt, and every generated token but the last.</summary>
    private static int Evaluated(int prompt, int generated) => prompt + generated - 1;

    [Fact]
    public async Task Warm_up_runs_two_passes_and_reports_the_second_ones_speeds_as_the_engines()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        Assert.Equal((0d, 0d), (generator.Capacity.PrefillTokensPerSecond, generator.Capacity.DecodeTokensPerSecond));

        var report = await generator.WarmUpAsync();

        Assert.Equal(EngineWarmUp.PromptTokens, report.PromptTokens);
        Assert.True(report.PrefillTokensPerSecond > 0 && double.IsFinite(report.PrefillTokensPerSecond), $"{report}");
        Assert.True(report.DecodeTokensPerSecond > 0 && double.IsFinite(report.DecodeTokensPerSecond), $"{report}");
        Assert.True(report.Elapsed > TimeSpan.Zero);
        var capacity = generator.Capacity;
        Assert.Equal(report.PrefillTokensPerSecond, capacity.PrefillTokensPerSecond);
        Assert.Equal(report.DecodeTokensPerSecond, capacity.DecodeTokensPerSecond);
        // Two 8-token prompts with 4 tokens each (two sequences: the engine batches up to 16), then 32 with 4.
        Assert.Equal(2 * Evaluated(8, 4) + Evaluated(32, 4), generator.Steps);
        Assert.Equal((0, 0, 0), (capacity.Running, capacity.Waiting, capacity.TokensUsed));
    }

    [Fact]
    public async Task One_sequence_at_a_time_runs_the_first_pass_once()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256, options: new EngineOptions { MaxSequences = 1 });
        await generator.WarmUpAsync();
        Assert.Equal(Evaluated(8, 4) + Evaluated(32, 4), generator.Steps);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_after_a_warm_up_gets_what_it_gets_from_a_fresh_generator(bool reusePrefix)
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var fresh = new TextGenerator(model, 256, reusePrefix);
        var (expected, _) = await fresh.GenerateTextAsync(Greedy(model, "Once upon a time", 24));

        using var warmed = new TextGenerator(model, 256, reusePrefix);
        await warmed.WarmUpAsync();
        var (text, final) = await warmed.GenerateTextAsync(Greedy(model, "Once upon a time", 24));

        Assert.Equal(expected, text);
        Assert.Equal(24, final.CompletionTokens);
    }

    [Theory]
    [InlineData(2, 1, 2 * (1 + 1 - 1) + (1 + 1 - 1))] // one prompt token, one generated, in both passes
    [InlineData(5, 1, 2 * (1 + 4 - 1) + (1 + 4 - 1))] // four generated leave room for one prompt token
    [InlineData(20, 16, 2 * (8 + 4 - 1) + (16 + 4 - 1))]
    public async Task A_short_context_warms_up_within_it(int context, int promptTokens, int steps)
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, context);
        var report = await generator.WarmUpAsync();
        Assert.Equal(promptTokens, report.PromptTokens);
        Assert.Equal(steps, generator.Steps);
        Assert.True(report.DecodeTokensPerSecond >= 0 && report.PrefillTokensPerSecond > 0, $"{report}");
    }

    [Fact]
    public async Task A_context_of_one_position_has_nothing_to_warm_up()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 1);
        var report = await generator.WarmUpAsync();
        Assert.Equal((0, 0d, 0d), (report.PromptTokens, report.PrefillTokensPerSecond, report.DecodeTokensPerSecond));
        Assert.Equal(0, generator.Steps);
    }

    [Fact]
    public void The_prompt_is_the_sentence_as_a_users_chat_turn_lengthened_with_the_sentence()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        var chat = PromptBuilder.ForChat(model, [new ChatMessage("user", EngineWarmUp.Sentence)]);
        var sentence = model.Tokenizer.Encode(EngineWarmUp.Sentence, addSpecial: false);
        Assert.Equal(sentence, EngineWarmUp.SentenceTokens(model));
        Assert.NotEqual(chat[0], sentence[0]); // the passes start differently: nothing of the first is reused

        var shorter = EngineWarmUp.Prompt(model, 5);
        Assert.Equal(chat[..5], shorter);

        int length = chat.Length + sentence.Length + 3;
        var longer = EngineWarmUp.Prompt(model, length);
        Assert.Equal([.. chat, .. sentence, .. sentence[..3]], longer);
        Assert.All(longer, id => Assert.InRange(id, 0, model.Config.VocabSize - 1));
    }

    [Fact]
    public async Task A_prefix_reusing_generator_prefills_the_measured_prompt_in_full()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        // One sequence at a time: the first pass is one sequence (two may reuse each other's prompt when the first ends
        // before the second is admitted), so the count shows the measured pass reused nothing of it.
        using var generator = new TextGenerator(model, 256, reusePrefix: true, new EngineOptions { MaxSequences = 1 });
        await generator.WarmUpAsync();
        Assert.Equal(Evaluated(8, 4) + Evaluated(32, 4), generator.Steps);
    }

    [Fact]
    public async Task A_warm_up_cancelled_while_it_runs_leaves_the_engine_empty_and_serving()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        using var cts = new CancellationTokenSource();
        var warmUp = generator.WarmUpAsync(cts.Token);
        while (generator.Steps == 0 && !warmUp.IsCompleted)
            await Task.Yield();
        await cts.CancelAsync();
        try
        {
            await warmUp;
        }
        catch (OperationCanceledException)
        {
            // Cancelled mid-pass (it may also have finished first: either way, nothing may be left behind).
        }
        Assert.Equal((0, 0, 0), (generator.Capacity.Running, generator.Capacity.Waiting, generator.Capacity.TokensUsed));
        var (_, final) = await generator.GenerateTextAsync(Greedy(model, "Once upon a time", 4));
        Assert.Equal(4, final.CompletionTokens);
    }

    [Fact]
    public async Task A_cancelled_warm_up_throws_and_leaves_the_generator_serving()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.WarmUpAsync(cancelled.Token));

        var (_, final) = await generator.GenerateTextAsync(Greedy(model, "Once upon a time", 4));
        Assert.Equal(4, final.CompletionTokens);
        Assert.Equal(0, generator.Capacity.Running);
    }
}
