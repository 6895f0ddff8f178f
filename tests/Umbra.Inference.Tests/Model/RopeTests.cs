using Umbra.Inference.Model;

namespace Umbra.Inference.Tests.Model;

/// <summary>The vectorized rotary embedding against its scalar form, bit for bit, and against the rotation it stands for.</summary>
public class RopeTests
{
    [Theory]
    [InlineData(64, 64, 0)]
    [InlineData(64, 64, 1)]
    [InlineData(128, 128, 4095)]
    [InlineData(80, 32, 17)] // partial rotary: only the first 32 of 80 values turn
    [InlineData(96, 96, 100000)]
    [InlineData(64, 60, 9)] // 30 pairs: not a whole number of vectors, the scalar loop
    public void Interleaved_rotation_equals_the_scalar_form_exactly(int headDim, int ropeDims, int position)
    {
        const int heads = 5;
        var rng = new Random(headDim * 31 + ropeDims + position);
        var x = Enumerable.Range(0, heads * headDim).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var (cos, sin) = Angles(ropeDims, position);
        var fast = x.ToArray();
        var slow = x.ToArray();
        Ops.ApplyRope(fast, heads, headDim, ropeDims, RopeStyle.Interleaved, cos, sin, new float[2 * ropeDims]);
        Ops.ApplyRopeScalar(slow, heads, headDim, ropeDims, RopeStyle.Interleaved, cos, sin, new float[2 * ropeDims]);
        for (var i = 0; i < x.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(fast[i]) == BitConverter.SingleToInt32Bits(slow[i]), $"value {i}: {fast[i]} vs {slow[i]}");
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < ropeDims / 2; i++)
            {
                // The pair turned by the angle: x0 cos − x1 sin, x0 sin + x1 cos.
                double x0 = x[h * headDim + 2 * i], x1 = x[h * headDim + 2 * i + 1];
                Assert.Equal(x0 * cos[i] - x1 * sin[i], fast[h * headDim + 2 * i], 1e-5);
                Assert.Equal(x0 * sin[i] + x1 * cos[i], fast[h * headDim + 2 * i + 1], 1e-5);
            }
            // Values past the rotary part are left as they were.
            for (var i = ropeDims; i < headDim; i++)
                Assert.Equal(x[h * headDim + i], fast[h * headDim + i]);
        }
    }

    private static (float[] Cos, float[] Sin) Angles(int ropeDims, int position)
    {
        var cos = new float[ropeDims / 2];
        var sin = new float[ropeDims / 2];
        for (var i = 0; i < ropeDims / 2; i++)
        {
            var theta = position * Math.Pow(10000, -2.0 * i / ropeDims);
            cos[i] = (float)Math.Cos(theta);
            sin[i] = (float)Math.Sin(theta);
        }
        return (cos, sin);
    }
}
