using Umbra.Inference.Model;

namespace Umbra.Inference.Tests.Model;

/// <summary>The vectorized softmax against one computed in double precision, on awkward lengths and hostile values.</summary>
public class SoftmaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(160)]
    [InlineData(1001)]
    public void Softmax_matches_the_double_precision_definition(int length)
    {
        var rng = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 40 - 20)).ToArray();
        AssertSoftmax(x);
    }

    [Fact]
    public void Large_logits_neither_overflow_nor_lose_the_winner()
    {
        var x = Enumerable.Range(0, 40).Select(i => 1e4f + i).ToArray();
        AssertSoftmax(x);
        x = Enumerable.Range(0, 40).Select(i => -1e4f - i).ToArray();
        AssertSoftmax(x);
    }

    [Fact]
    public void Scores_far_below_the_peak_underflow_to_zero()
    {
        var x = new float[24];
        Array.Fill(x, -500f);
        x[19] = 0;
        var y = (float[])x.Clone();
        Ops.Softmax(y);
        Assert.Equal(1f, y[19]);
        Assert.All(y.Where((_, i) => i != 19), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Equal_scores_share_equally()
    {
        var x = new float[37];
        Array.Fill(x, 3.25f);
        Ops.Softmax(x);
        Assert.All(x, v => Assert.Equal(1.0 / 37, v, 1e-7));
    }

    private static void AssertSoftmax(float[] x)
    {
        var max = x.Max();
        var e = x.Select(v => Math.Exp((double)v - max)).ToArray();
        var sum = e.Sum();
        var y = (float[])x.Clone();
        Ops.Softmax(y);
        for (var i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(y[i] - e[i] / sum) <= 1e-6 * (e[i] / sum) + 1e-9, $"element {i} of {x.Length}: {y[i]} vs {e[i] / sum}");
        Assert.Equal(1.0, y.Sum(v => (double)v), 1e-5);
    }
}
