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
        foreach (var kind in Enumerable.Range(0, 13))
        {
            var x = TestVectors.Activations(n, seed: kind);
            // One block of every other group of 8 gets the special value, in a different lane each time; the other
            // groups stay ordinary, so groups that go block by block and groups that do not meet in one vector.
            for (var b = kind % 8; b < n / 32; b += 16)
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
                    case 11: // the smallest largest magnitudes for which 127 / max stays finite
                        var least = 127f / float.MaxValue;
                        while (!float.IsFinite(127f / least)) least = MathF.BitIncrement(least);
                        for (var j = 0; j < 32; j++) block[j] = (float)(rng.NextDouble() * 2 - 1) * least;
                        block[rng.Next(32)] = MathF.BitIncrement(MathF.BitIncrement(least)) * (b % 2 == 0 ? 1 : -1);
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

    [Avx2Fact]
    public void Groups_take_the_vectorized_path_unless_a_block_is_not_finite_or_too_small()
    {
        var least = 127f / float.MaxValue;
        while (!float.IsFinite(127f / least))
            least = MathF.BitIncrement(least);
        // A Q8_K super-block has one scale for its 256 values: a block of tiny values among ordinary ones is fine there.
        var cases = new (string Name, Action<float[]> Set, bool Group, bool SuperBlock)[]
        {
            ("ordinary", _ => { }, true, true),
            ("an all-zero block", x => Array.Clear(x, 64, 32), true, true),
            ("values near the largest float", x => x[70] = -3.4e38f, true, true),
            ("a block whose largest magnitude is the least with 127 / max finite", x => { Array.Clear(x, 96, 32); x[100] = least; }, true, true),
            ("a NaN", x => x[130] = float.NaN, false, false),
            ("an infinity", x => x[200] = float.NegativeInfinity, false, false),
            ("a block of values below 127 / float.MaxValue", x => { Array.Clear(x, 224, 32); x[230] = least / 2; }, false, true),
            ("only values below 127 / float.MaxValue", x => { Array.Clear(x); x[3] = -least / 2; }, false, false),
        };
        var bytes = new byte[QuantizedActivations.VectorBytes(ActivationFormat.Q8K, 256)];
        foreach (var (name, set, group, superBlock) in cases)
        {
            var x = TestVectors.Activations(256, seed: 9);
            set(x);
            fixed (float* xp = x)
            fixed (byte* q = bytes)
            {
                var parts = (int*)(q + 256);
                Assert.True(group == QuantizedActivations.QuantizeGroup8(xp, (sbyte*)q, 32, (float*)parts, parts + 8, parts + 16, parts + 24), $"Q8 group, {name}");
                Assert.True(superBlock == QuantizedActivations.QuantizeSuperBlock(xp, (sbyte*)q, (float*)parts, (short*)(parts + 8), parts + 16, (float*)(parts + 32)), $"Q8_K super-block, {name}");
            }
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
