using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>
/// Quantize then Dequantize stays within each format's stated error bound, at sizes of 1, 3 and 7 blocks and
/// one long row. The bounds (per value, x the input, y the output):
/// F32 exact; F16 |y - x| &lt;= 2^-11 |x| (+2^-25 for subnormals); BF16 &lt;= 2^-8 |x|;
/// Q8_0 &lt;= d/2 + 127 |d - fp16(d)| with d = absmax/127 of the block;
/// Q4_0 &lt;= |d|/2 + 8 |d - fp16(d)| with d = m/-8 (m the block's signed extreme), except values in the last half
/// step opposite m, which clamp and may be off by |d| + 8 |d - fp16(d)|;
/// Q4_K &lt;= R/2 + M/126 per super-block (R the largest sub-block (max - min(0, min)) / 15, M the largest
/// -min(0, min));
/// Q6_K &lt;= A/62 per super-block (A its largest magnitude);
/// the two K bounds allowing 2^-9 relative for binary16 rounding of the super-block scales.
/// </summary>
public class RoundTripTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var type in TestVectors.Types)
        {
            var block = TestVectors.BlockSize(type);
            foreach (var blocks in block == 1 ? new[] { 1, 3, 7, 33, 4099 } : [1, 3, 7, 23])
                data.Add(type.ToString(), blocks * block);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Round_trip_error_is_within_the_format_bound(string typeName, int n)
    {
        var type = Enum.Parse<GgmlType>(typeName);
        var x = TestVectors.Weights(n, seed: n);
        var y = TestVectors.Decode(type, TestVectors.Encode(type, x), n);

        var bound = Bounds(type, x);
        for (var i = 0; i < n; i++)
            Assert.True(Math.Abs(y[i] - x[i]) <= bound[i], $"{type} value {i}: {x[i]} came back as {y[i]}, beyond the bound {bound[i]}.");
    }

    [Theory]
    [InlineData("Q8_0", 0.006)]
    [InlineData("Q4_0", 0.095)]
    [InlineData("Q4_K", 0.09)]
    [InlineData("Q6_K", 0.022)]
    public void Quantization_error_is_small_for_gaussian_rows(string typeName, double maxRelativeRms)
    {
        // Worst-case bounds above say little about typical quality; this checks the error energy on a plain
        // Gaussian row, as weight matrices roughly are (measured: Q8_0 0.0053, Q4_0 0.086, Q4_K 0.078, Q6_K 0.019).
        var type = Enum.Parse<GgmlType>(typeName);
        var x = TestVectors.Activations(4096, seed: 7);
        var y = TestVectors.Decode(type, TestVectors.Encode(type, x), x.Length);
        double err = 0, energy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            err += (y[i] - x[i]) * (double)(y[i] - x[i]);
            energy += x[i] * (double)x[i];
        }
        Assert.InRange(Math.Sqrt(err / energy), 0, maxRelativeRms);
    }

    [Fact]
    public void Zero_blocks_stay_zero()
    {
        foreach (var type in TestVectors.Types)
        {
            var n = 2 * TestVectors.BlockSize(type) * (TestVectors.BlockSize(type) == 1 ? 32 : 1);
            var y = TestVectors.Decode(type, TestVectors.Encode(type, new float[n]), n);
            Assert.All(y, v => Assert.Equal(0f, v));
        }
    }

    private static double[] Bounds(GgmlType type, float[] x)
    {
        var bound = new double[x.Length];
        var block = TestVectors.BlockSize(type);
        for (var start = 0; start < x.Length; start += block)
        {
            var b = x.AsSpan(start, block);
            var out_ = bound.AsSpan(start, block);
            switch (type)
            {
                case GgmlType.F32: out_.Clear(); break;
                case GgmlType.F16: out_[0] = Math.Abs(b[0]) * Math.Pow(2, -11) + Math.Pow(2, -25); break;
                case GgmlType.BF16: out_[0] = Math.Abs(b[0]) * Math.Pow(2, -8); break;
                case GgmlType.Q8_0: Q8_0Bound(b, out_); break;
                case GgmlType.Q4_0: Q4_0Bound(b, out_); break;
                case GgmlType.Q4_K: Q4KBound(b, out_); break;
                default: Q6KBound(b, out_); break;
            }
        }
        return bound;
    }

    private static double Fp16Error(float d) => Math.Abs(d - (float)(Half)d);

    private static void Q8_0Bound(ReadOnlySpan<float> x, Span<double> bound)
    {
        var amax = 0f;
        foreach (var v in x)
            amax = Math.Max(amax, Math.Abs(v));
        var d = amax / 127;
        bound.Fill(d / 2 + 127 * Fp16Error(d) + 1e-6 * d);
    }

    private static void Q4_0Bound(ReadOnlySpan<float> x, Span<double> bound)
    {
        var m = 0f;
        foreach (var v in x)
            if (Math.Abs(v) > Math.Abs(m))
                m = v;
        var d = m / -8;
        for (var i = 0; i < x.Length; i++)
        {
            var clamped = d != 0 && x[i] / d > 7.49;
            bound[i] = (clamped ? 1 : 0.5) * Math.Abs(d) + 8 * Fp16Error(d) + 1e-6 * Math.Abs(d);
        }
    }

    private static void Q4KBound(ReadOnlySpan<float> x, Span<double> bound)
    {
        double r = 0, m = 0;
        for (var s = 0; s < 8; s++)
        {
            float lo = 0, hi = float.MinValue;
            foreach (var v in x.Slice(32 * s, 32))
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
            r = Math.Max(r, (hi - lo) / 15.0);
            m = Math.Max(m, -lo);
        }
        bound.Fill((r / 2 + m / 126) * (1 + Math.Pow(2, -9)));
    }

    private static void Q6KBound(ReadOnlySpan<float> x, Span<double> bound)
    {
        var a = 0f;
        foreach (var v in x)
            a = Math.Max(a, Math.Abs(v));
        bound.Fill(a / 62.0 * (1 + Math.Pow(2, -9)));
    }
}
