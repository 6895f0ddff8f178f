using Umbra.Inference.Model;

namespace Umbra.Inference.Tests.Model;

/// <summary>
/// The vectorized softmax against one computed in double precision, on awkward lengths, huge and masked scores and
/// non-finite ones (the short-row library path and the vector path alike), in its 256-bit form (<see cref="Ops.Softmax"/>)
/// and its 512-bit one (<see cref="Ops.SoftmaxWide"/>, the 256-bit one again where the CPU lacks AVX-512).
/// </summary>
public class SoftmaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(47)]
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
        var x = new float[40];
        Array.Fill(x, -500f);
        x[19] = 0;
        foreach (var softmax in Forms)
        {
            var y = (float[])x.Clone();
            softmax(y);
            Assert.Equal(1f, y[19]);
            Assert.All(y.Where((_, i) => i != 19), v => Assert.Equal(0f, v));
        }
    }

    [Theory]
    [InlineData(37)]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(75)]
    public void Equal_scores_share_equally_wherever_they_stand(int length)
    {
        foreach (var softmax in Forms)
        {
            var x = new float[length];
            Array.Fill(x, 3.25f);
            softmax(x);
            Assert.All(x, v => Assert.Equal(x[0], v));
            Assert.Equal(1.0 / length, x[0], 1e-7);
        }
    }

    [Fact]
    public void Masked_scores_get_no_weight()
    {
        foreach (var length in new[] { 21, 50 })
        {
            var x = Enumerable.Range(0, length).Select(i => i % 3 == 0 ? float.NegativeInfinity : i * 0.1f).ToArray();
            foreach (var softmax in Forms)
            {
                var y = (float[])x.Clone();
                softmax(y);
                for (var i = 0; i < x.Length; i++)
                    Assert.True(i % 3 == 0 ? y[i] == 0 : y[i] > 0, $"element {i} of {length}: {y[i]}");
            }
            AssertSoftmax(x.Where(v => !float.IsNegativeInfinity(v)).ToArray());
        }
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_score_makes_the_row_nan_as_the_definition_does(float bad)
    {
        foreach (var length in new[] { 7, 29, 45 })
        {
            foreach (var softmax in Forms)
            {
                var x = Enumerable.Range(0, length).Select(i => i * 0.5f).ToArray();
                x[length / 2] = bad;
                softmax(x);
                Assert.All(x, v => Assert.True(float.IsNaN(v), $"{v} in a row of {length} with a {bad}"));
            }
        }
    }

    [Fact]
    public void A_row_of_nothing_but_minus_infinity_is_nan()
    {
        foreach (var length in new[] { 3, 29, 45 })
        {
            foreach (var softmax in Forms)
            {
                var x = Enumerable.Repeat(float.NegativeInfinity, length).ToArray();
                softmax(x);
                Assert.All(x, v => Assert.True(float.IsNaN(v), $"{v} in a row of {length}"));
            }
        }
    }

    private static void AssertSoftmax(float[] x)
    {
        var max = x.Max();
        var e = x.Select(v => Math.Exp((double)v - max)).ToArray();
        var sum = e.Sum();
        foreach (var softmax in Forms)
        {
            var y = (float[])x.Clone();
            softmax(y);
            for (var i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(y[i] - e[i] / sum) <= 1e-6 * (e[i] / sum) + 1e-9, $"element {i} of {x.Length}: {y[i]} vs {e[i] / sum}");
            Assert.Equal(1.0, y.Sum(v => (double)v), 1e-5);
        }
    }

    private delegate void SoftmaxForm(Span<float> x);

    private static readonly SoftmaxForm[] Forms = [Ops.Softmax, Ops.SoftmaxWide];
}
