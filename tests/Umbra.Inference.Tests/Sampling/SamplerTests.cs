using Umbra.Inference.Sampling;

namespace Umbra.Inference.Tests.Sampling;

public class SamplerTests
{
    private static readonly float[] Logits = [1f, 3f, 2.5f, -1f, 0f, 2.9f];

    [Fact]
    public void Temperature_zero_is_greedy()
    {
        Assert.Equal(1, new Sampler(SamplingOptions.Greedy).Sample(Logits));
    }

    [Theory]
    [InlineData(1, 1f, 0f)]
    [InlineData(0, 0.01f, 0f)]
    [InlineData(0, 1f, 0.99f)]
    public void Top_k_top_p_and_min_p_narrow_to_the_best_token(int topK, float topP, float minP)
    {
        var s = new Sampler(new SamplingOptions { Temperature = 1.5f, TopK = topK, TopP = topP, MinP = minP, Seed = 5 });
        for (int i = 0; i < 50; i++) Assert.Equal(1, s.Sample(Logits));
    }

    [Fact]
    public void Top_k_never_picks_outside_the_k_best()
    {
        var s = new Sampler(new SamplingOptions { Temperature = 5f, TopK = 3, Seed = 9 });
        var seen = new HashSet<int>();
        for (int i = 0; i < 500; i++) seen.Add(s.Sample(Logits));
        Assert.Subset(new HashSet<int> { 1, 5, 2 }, seen);
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void The_same_seed_draws_the_same_sequence()
    {
        var a = new Sampler(new SamplingOptions { Temperature = 2f, Seed = 77 });
        var b = new Sampler(new SamplingOptions { Temperature = 2f, Seed = 77 });
        var xs = Enumerable.Range(0, 100).Select(_ => a.Sample(Logits)).ToArray();
        var ys = Enumerable.Range(0, 100).Select(_ => b.Sample(Logits)).ToArray();
        Assert.Equal(xs, ys);
        Assert.True(xs.Distinct().Count() > 2);
    }

    [Fact]
    public void Penalties_push_down_tokens_already_seen()
    {
        var rep = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2f });
        rep.Accept(1);
        Assert.Equal(5, rep.Sample(Logits)); // 3 / 2 = 1.5 < 2.9

        var freq = new Sampler(new SamplingOptions { Temperature = 0, FrequencyPenalty = 0.3f });
        freq.Accept(1);
        freq.Accept(1);
        Assert.Equal(5, freq.Sample(Logits)); // 3 - 0.6 = 2.4 < 2.9

        var presence = new Sampler(new SamplingOptions { Temperature = 0, PresencePenalty = 0.2f });
        presence.Accept(1);
        Assert.Equal(5, presence.Sample(Logits)); // 3 - 0.2 = 2.8 < 2.9
    }

    [Theory]
    [InlineData("temperature")]
    [InlineData("top_p")]
    [InlineData("top_k")]
    [InlineData("min_p")]
    [InlineData("repetition_penalty")]
    [InlineData("frequency_penalty")]
    [InlineData("presence_penalty")]
    public void Out_of_range_settings_are_refused_with_their_name(string name)
    {
        var bad = name switch
        {
            "temperature" => new SamplingOptions { Temperature = -1 },
            "top_p" => new SamplingOptions { TopP = 1.5f },
            "top_k" => new SamplingOptions { TopK = -1 },
            "min_p" => new SamplingOptions { MinP = float.NaN },
            "repetition_penalty" => new SamplingOptions { RepetitionPenalty = 0 },
            "frequency_penalty" => new SamplingOptions { FrequencyPenalty = 3 },
            _ => new SamplingOptions { PresencePenalty = -3 },
        };
        var e = Assert.Throws<ArgumentException>(() => new Sampler(bad));
        Assert.Equal(name, e.ParamName);
    }
}
