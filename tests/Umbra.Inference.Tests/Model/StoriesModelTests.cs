using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;

namespace Umbra.Inference.Tests.Model;

/// <summary>The real trained stories260K model writes the text a reference implementation gives.</summary>
public class StoriesModelTests
{
    [Fact]
    public async Task Continues_once_upon_a_time_greedily_with_the_reference_text()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 256);
        var prompt = PromptBuilder.ForCompletion(model, "Once upon a time");
        Assert.Equal(model.Tokenizer.BosId, prompt[0]);
        var (text, final) = await generator.GenerateTextAsync(new GenerationRequest
        {
            PromptTokens = prompt,
            MaxTokens = 40,
            Sampling = SamplingOptions.Greedy,
        });
        Assert.StartsWith(", there was a little girl named Lily. She loved to play outside in the park.", text, StringComparison.Ordinal);
        Assert.Equal(prompt.Length, final.PromptTokens);
        Assert.Equal(40, final.CompletionTokens);
        Assert.Equal(FinishReason.Length, final.Finish);
    }

    [Fact]
    public void Loads_its_configuration_from_the_file()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        var c = model.Config;
        Assert.Equal(("llama", 64, 5, 8, 4, 172, 512), (c.Architecture, c.EmbeddingLength, c.BlockCount, c.HeadCount, c.HeadCountKv, c.FeedForwardLength, c.VocabSize));
        Assert.True(model.Weights.TiedEmbeddings is false);
        Assert.False(model.HasOwnChatTemplate);
    }

    [Fact]
    public void A_sequence_longer_than_the_context_is_refused_with_a_clear_error()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        var session = model.CreateSession(8);
        session.Forward([1, 2, 3, 4, 5, 6]);
        var e = Assert.Throws<ContextLengthExceededException>(() => session.Forward([7, 8, 9]));
        Assert.Equal(9, e.Requested);
        Assert.Equal(8, e.ContextLength);
        Assert.Contains("maximum context length is 8 tokens", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, session.Position); // nothing was half-written
    }

    [Fact]
    public void Prompt_plus_max_tokens_beyond_the_context_is_refused_before_generation()
    {
        using var model = LlamaModel.Load(TestData.Stories260K);
        using var generator = new TextGenerator(model, 16);
        var request = new GenerationRequest { PromptTokens = [1, 400, 401, 402], MaxTokens = 13 };
        Assert.Throws<ContextLengthExceededException>(() => generator.ResolveMaxTokens(request));
        Assert.Equal(12, generator.ResolveMaxTokens(request with { MaxTokens = null }));
    }
}
