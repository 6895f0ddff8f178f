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

    [Fact]
    public void Draws_follow_the_softmax_of_the_logits()
    {
        float[] logits = [0f, (float)Math.Log(2), (float)Math.Log(5), (float)Math.Log(2)];
        var s = new Sampler(new SamplingOptions { Temperature = 1, Seed = 3 });
        var counts = new int[4];
        const int n = 20000;
        for (int i = 0; i < n; i++) counts[s.Sample(logits)]++;
        double[] expected = [0.1, 0.2, 0.5, 0.2];
        for (int t = 0; t < 4; t++)
            Assert.InRange(counts[t] / (double)n, expected[t] - 0.015, expected[t] + 0.015);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        // Probabilities 0.5, 0.2, 0.2, 0.1: top_p 0.6 keeps the first two, never the rest.
        float[] logits = [(float)Math.Log(5), (float)Math.Log(2), (float)Math.Log(2), 0f];
        var s = new Sampler(new SamplingOptions { Temperature = 1, TopP = 0.6f, Seed = 4 });
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++) seen.Add(s.Sample(logits));
        Assert.Equal(2, seen.Count);
        Assert.Contains(0, seen);
        Assert.DoesNotContain(3, seen);
    }

    [Fact]
    public void Min_p_drops_tokens_below_the_fraction_of_the_best()
    {
        float[] logits = [(float)Math.Log(10), (float)Math.Log(6), (float)Math.Log(4), 0f];
        var s = new Sampler(new SamplingOptions { Temperature = 1, MinP = 0.5f, Seed = 8 });
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++) seen.Add(s.Sample(logits));
        Assert.Equal(new HashSet<int> { 0, 1 }, seen);
    }

    [Fact]
    public void Prompt_tokens_count_for_repetition_but_not_for_frequency_or_presence()
    {
        var freq = new Sampler(new SamplingOptions { Temperature = 0, FrequencyPenalty = 2, PresencePenalty = 2 });
        freq.AcceptPrompt(1);
        Assert.Equal(1, freq.Sample(Logits));

        var rep = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2 });
        rep.AcceptPrompt(1);
        Assert.Equal(5, rep.Sample(Logits));
    }

    [Fact]
    public void Non_finite_logits_do_not_crash_the_draw()
    {
        var s = new Sampler(new SamplingOptions { Temperature = 1, Seed = 1 });
        int t = s.Sample([float.NaN, float.NaN, float.NaN]);
        Assert.InRange(t, 0, 2);
    }
}
