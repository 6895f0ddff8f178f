using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>
/// The vectorized activation quantization (8 blocks at a time in 256-bit registers: Q8 groups, Q8_K super-blocks)
/// against the block-by-block code it replaces on the hot path: the same bytes, scales, sums and layout, bit for bit,
/// for every size shape (one block, a group and a block, wide groups with an 8-block group and blocks after them,
/// TinyLlama's widths) and for
/// the values where rounding and special cases decide: ties, zeros, negative zeros, huge and tiny magnitudes,
/// subnormals, infinities and NaNs.
/// </summary>
public unsafe class ActivationQuantizationTests
{
    public static TheoryData<int, string> Sizes()
    {
        var data = new TheoryData<int, string>();
        foreach (var n in new[] { 32, 224, 256, 288, 512, 544, 768, 2048, 2048 + 256 + 96, 5632 })
        {
            data.Add(n, nameof(ActivationFormat.Q8));
            data.Add(n, nameof(ActivationFormat.Q8Wide));
            if (n % 256 == 0)
                data.Add(n, nameof(ActivationFormat.Q8K));
        }
        return data;
    }

    [Avx2Theory]
    [MemberData(nameof(Sizes))]
    public void Groups_quantize_exactly_as_block_by_block(int n, string formatName)
    {
        foreach (var seed in new[] { 1, 2, 3 })
            AssertSame(TestVectors.Weights(n, seed: n + seed), n, Enum.Parse<ActivationFormat>(formatName));
    }

    [Avx2Theory]
    [InlineData(2048, nameof(ActivationFormat.Q8))]
    [InlineData(2048 + 256 + 96, nameof(ActivationFormat.Q8Wide))]
    [InlineData(2048, nameof(ActivationFormat.Q8K))]
    public void Special_values_quantize_exactly_as_block_by_block(int n, string formatName)
    {
        var format = Enum.Parse<ActivationFormat>(formatName);
        var rng = new Random(5);
        foreach (var kind in Enumerable.Range(0, 12))
        {
            var x = TestVectors.Activations(n, seed: kind);
            // One block of each group of 8 gets the special value (the others stay ordinary), in a different lane
            // each time, so a group's fallback and its neighbours' fast path are both exercised.
            for (var b = kind % 8; b < n / 32; b += 8)
            {
                var block = x.AsSpan(32 * b, 32);
                switch (kind)
                {
                    case 0: block.Clear(); break;
                    case 1: block.Fill(-0f); break;
                    case 2: // ties: max 127, so x × (127 / max) = x, with halves to round to even both ways
                        for (var j = 0; j < 32; j++) block[j] = j == 0 ? 127f : (j - 16) + 0.5f;
                        break;
                    case 3: block[rng.Next(32)] = float.NaN; break;
                    case 4: block[rng.Next(32)] = float.PositiveInfinity; break;
                    case 5: block[rng.Next(32)] = float.NegativeInfinity; break;
                    case 6: // huge: near the largest float
                        for (var j = 0; j < 32; j++) block[j] = (float)(rng.NextDouble() * 2 - 1) * 3e38f;
                        break;
                    case 7: // tiny normals: 127 / max overflows to infinity
                        for (var j = 0; j < 32; j++) block[j] = (float)(rng.NextDouble() * 2 - 1) * 1e-37f;
                        break;
                    case 8: // subnormals only
                        for (var j = 0; j < 32; j++) block[j] = BitConverter.Int32BitsToSingle(rng.Next(1, 0x007FFFFF)) * (j % 2 == 0 ? 1 : -1);
                        break;
                    case 9: // small normals, where 127 / max stays finite
                        for (var j = 0; j < 32; j++) block[j] = (float)(rng.NextDouble() * 2 - 1) * 1e-30f;
                        break;
                    case 10: // one value, the rest zero; negative
                        block.Clear();
                        block[rng.Next(32)] = -3.25f;
                        break;
                    default: // the largest magnitude negative, values that round to ±127 and ±126.5
                        for (var j = 0; j < 32; j++) block[j] = (j % 3 - 1) * (126.5f + (j % 2));
                        block[7] = -127f;
                        break;
                }
            }
            AssertSame(x, n, format);
        }
    }

    private static void AssertSame(float[] x, int n, ActivationFormat format)
    {
        var bytes = QuantizedActivations.VectorBytes(format, n);
        var fast = new byte[bytes];
        var blockwise = new byte[bytes];
        fixed (float* xp = x)
        fixed (byte* f = fast)
        fixed (byte* s = blockwise)
        {
            if (format == ActivationFormat.Q8K)
            {
                QuantizedActivations.QuantizeQ8K(xp, n, f);
                QuantizedActivations.QuantizeQ8K(xp, n, s, vectorized: false);
            }
            else
            {
                var wide = format == ActivationFormat.Q8Wide;
                QuantizedActivations.QuantizeQ8(xp, n, f, wide);
                QuantizedActivations.QuantizeQ8(xp, n, s, wide, vectorized: false);
            }
        }
        var at = fast.AsSpan().CommonPrefixLength(blockwise);
        Assert.True(at == bytes, $"{format}, n = {n}: first difference at byte {at} of {bytes}"
            + (at < bytes ? $" ({fast[at]} against {blockwise[at]} block by block)" : ""));
    }
}
