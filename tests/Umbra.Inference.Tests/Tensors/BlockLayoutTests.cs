using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>Hand-built blocks decode to the values ggml's layouts (ggml-common.h, ggml-quants.c) define.</summary>
public class BlockLayoutTests
{
    [Fact]
    public void Q8_0_block_is_scale_then_signed_bytes()
    {
        var block = new byte[34];
        block[0] = 0x00; block[1] = 0x34; // d = 0.25 in binary16, little-endian
        for (var j = 0; j < 32; j++)
            block[2 + j] = (byte)(sbyte)(j - 16);
        block[2] = 0x80; // -128 is a valid int8 even though the quantizer never emits it

        var y = TestVectors.Decode(GgmlType.Q8_0, block, 32);

        Assert.Equal(-32f, y[0]);
        for (var j = 1; j < 32; j++)
            Assert.Equal((j - 16) * 0.25f, y[j]);
    }

    [Fact]
    public void Q4_0_block_keeps_values_j_and_j_plus_16_in_one_byte()
    {
        var block = new byte[18];
        block[0] = 0x00; block[1] = 0xB8; // d = -0.5
        for (var j = 0; j < 16; j++)
            block[2 + j] = (byte)(j | ((15 - j) << 4));

        var y = TestVectors.Decode(GgmlType.Q4_0, block, 32);

        for (var j = 0; j < 16; j++)
        {
            Assert.Equal((j - 8) * -0.5f, y[j]);        // low nibble
            Assert.Equal((15 - j - 8) * -0.5f, y[j + 16]); // high nibble
        }
        Assert.Equal(4f, y[0]);
        Assert.Equal(-3.5f, y[16]);
    }

    // Sub-block scales and mins chosen so sub-blocks 4-7 need their top two bits.
    private static readonly int[] Q4KScales = [10, 20, 30, 63, 17, 33, 48, 63];
    private static readonly int[] Q4KMins = [1, 2, 3, 4, 40, 50, 60, 5];

    // The same numbers packed by hand as ggml lays them out:
    // bytes 0-3:  scale[j] | (scale[j+4] >> 4) << 6    bytes 4-7: min[j] | (min[j+4] >> 4) << 6
    // bytes 8-11: (scale[j+4] & 15) | (min[j+4] & 15) << 4
    private static readonly byte[] Q4KPacked =
        [0x4A, 0x94, 0xDE, 0xFF, 0x81, 0xC2, 0xC3, 0x04, 0x81, 0x21, 0xC0, 0x5F];

    [Fact]
    public void Q4_K_packed_scales_unpack_for_sub_blocks_0_to_3_and_4_to_7()
    {
        for (var s = 0; s < 8; s++)
            Assert.Equal((Q4KScales[s], Q4KMins[s]), Q4KFormat.ScaleMin(Q4KPacked, s));

        var packed = new byte[12];
        for (var s = 0; s < 8; s++)
            Q4KFormat.PackScaleMin(packed, s, Q4KScales[s], Q4KMins[s]);
        Assert.Equal(Q4KPacked, packed);
    }

    [Fact]
    public void Q4_K_block_decodes_d_scale_q_minus_dmin_min()
    {
        var block = new byte[144];
        block[0] = 0x00; block[1] = 0x3C; // d = 1
        block[2] = 0x00; block[3] = 0x38; // dmin = 0.5
        Q4KPacked.CopyTo(block, 4);
        for (var i = 0; i < 128; i++)
            block[16 + i] = (byte)((i & 15) | ((15 - (i & 15)) << 4));

        var y = TestVectors.Decode(GgmlType.Q4_K, block, 256);

        // Byte 32g + l holds value 64g + l (sub-block 2g, low nibble) and 64g + 32 + l (sub-block 2g+1, high nibble).
        for (var g = 0; g < 4; g++)
        {
            for (var l = 0; l < 32; l++)
            {
                var i = 32 * g + l;
                Assert.Equal(1f * Q4KScales[2 * g] * (i & 15) - 0.5f * Q4KMins[2 * g], y[64 * g + l]);
                Assert.Equal(1f * Q4KScales[2 * g + 1] * (15 - (i & 15)) - 0.5f * Q4KMins[2 * g + 1], y[64 * g + 32 + l]);
            }
        }
        Assert.Equal(-0.5f, y[0]);         // sub-block 0: 10 * 0 - 0.5 * 1
        Assert.Equal(279f, y[33]);         // sub-block 1: 20 * 14 - 0.5 * 2
        Assert.Equal(65f, y[133]);         // sub-block 4: 17 * 5 - 0.5 * 40
        Assert.Equal(305f, y[165]);        // sub-block 5: 33 * 10 - 0.5 * 50
        Assert.Equal(-2.5f, y[255]);       // sub-block 7: 63 * 0 - 0.5 * 5
    }

    private static readonly sbyte[] Q6KScales = [1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 10, -10, 1, 1, 1, 1];

    private static byte[] Q6KBlock()
    {
        var block = new byte[210];
        for (var i = 0; i < 128; i++)
            block[i] = (byte)(i * 7 + 3);          // ql
        for (var i = 0; i < 64; i++)
            block[128 + i] = (byte)(i * 13 + 5);   // qh
        for (var i = 0; i < 16; i++)
            block[192 + i] = (byte)Q6KScales[i];
        block[208] = 0x00; block[209] = 0x40;      // d = 2
        return block;
    }

    [Fact]
    public void Q6_K_block_splits_each_value_over_ql_and_qh_with_signed_scales()
    {
        var block = Q6KBlock();
        var y = TestVectors.Decode(GgmlType.Q6_K, block, 256);

        // Value 128h + 32k + l: nibble (low for k < 2) of ql[64h + l + 32 (k % 2)], bits 2k..2k+1 of qh[32h + l],
        // scale 8h + 2k + l / 16.
        for (var e = 0; e < 256; e++)
        {
            int h = e / 128, k = e % 128 / 32, l = e % 32;
            var qlByte = block[64 * h + l + 32 * (k % 2)];
            var low = k < 2 ? qlByte & 15 : qlByte >> 4;
            var high = (block[128 + 32 * h + l] >> (2 * k)) & 3;
            var q = (low | (high << 4)) - 32;
            Assert.Equal(2f * Q6KScales[8 * h + 2 * k + l / 16] * q, y[e]);
        }
        Assert.Equal(-26f, y[0]);    // ql 0x03 low 3, qh 0x05 bits 0-1 = 1: q = 19 - 32; scale 1
        Assert.Equal(508f, y[137]);  // ql 0x02 low 2, qh 0x1A bits 0-1 = 2: q = 34 - 32; scale 127
        Assert.Equal(-512f, y[153]); // ql 0x72 low 2, qh 0xEA bits 0-1 = 2: q = 2; scale -128
        Assert.Equal(-34f, y[200]);  // ql 0xFB high 15, qh 0x0D bits 4-5 = 0: q = 15 - 32; scale 1
    }

    [Fact]
    public void F16_and_BF16_are_little_endian_halves()
    {
        byte[] f16 = [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C, 0x00, 0x80];
        Assert.Equal([1f, -2f, 65504f, MathF.Pow(2, -24), float.PositiveInfinity, -0f], TestVectors.Decode(GgmlType.F16, f16, 6));

        byte[] bf16 = [0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40];
        Assert.Equal([1f, -3f, 3.140625f], TestVectors.Decode(GgmlType.BF16, bf16, 3));
    }

    [Fact]
    public void Fp16_conversion_agrees_with_System_Half_for_every_pattern()
    {
        for (var bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            var actual = Fp16.ToSingle((ushort)bits);
            if (float.IsNaN(expected))
                Assert.True(float.IsNaN(actual), $"0x{bits:X4}");
            else
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual));
        }
    }

    [Fact]
    public void Fp16_vector_conversions_agree_with_the_scalar_one_for_every_pattern()
    {
        for (var bits = 0; bits <= ushort.MaxValue; bits += 16)
        {
            var h = Enumerable.Range(bits, 16).Select(b => (uint)b).ToArray();
            var v512 = Fp16.ToSingle(System.Runtime.Intrinsics.Vector512.Create(h));
            var v256 = Fp16.ToSingle(System.Runtime.Intrinsics.Vector256.Create(h.AsSpan(0, 8)));
            var v128 = Fp16.ToSingle(System.Runtime.Intrinsics.Vector128.Create(h.AsSpan(0, 4)));
            for (var i = 0; i < 16; i++)
            {
                var expected = BitConverter.SingleToUInt32Bits(Fp16.ToSingle((ushort)h[i]));
                Assert.Equal(expected, BitConverter.SingleToUInt32Bits(v512[i]));
                if (i < 8)
                    Assert.Equal(expected, BitConverter.SingleToUInt32Bits(v256[i]));
                if (i < 4)
                    Assert.Equal(expected, BitConverter.SingleToUInt32Bits(v128[i]));
            }
        }
    }

    [Fact]
    public void Fp16_mostly_normal_conversion_agrees_with_the_full_one_whatever_the_lanes_hold()
    {
        // Every pattern with each of its lane neighbours, so vectors of all normal halves take the short path and
        // any zero, subnormal, infinity or NaN among them the full one; bits 16..31 hold garbage, as a gather
        // of 4 bytes leaves them, which must change nothing.
        var rng = new Random(16);
        for (var bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var h = new uint[8];
            for (var i = 0; i < 8; i++)
            {
                var pattern = i == bits % 8 ? bits : (bits & 0x8000) | rng.Next(0x0400, 0x7c00);
                h[i] = (uint)pattern | ((uint)rng.Next(0x10000) << 16);
            }
            var actual = Fp16.ToSingleMostlyNormal(System.Runtime.Intrinsics.Vector256.Create(h));
            for (var i = 0; i < 8; i++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToSingle((ushort)h[i])), BitConverter.SingleToUInt32Bits(actual[i]));
        }
        // All normal, across the whole range of exponents and both signs.
        var normal = Fp16.ToSingleMostlyNormal(System.Runtime.Intrinsics.Vector256.Create(0x3c00u, 0xc000, 0x7bff, 0xfbff, 0x0400, 0x3800, 0xb400, 0x6400));
        float[] expectedNormal = [1f, -2f, 65504f, -65504f, 6.1035156e-05f, 0.5f, -0.25f, 1024f];
        for (var i = 0; i < 8; i++)
            Assert.Equal(expectedNormal[i], normal[i]);
    }

    [Fact]
    public void Fp16_rounding_is_to_nearest_even_at_every_midpoint()
    {
        // Midpoints between neighbouring finite halves are exact floats; ggml (F16C, mode 0) rounds them to the
        // even neighbour, and anything off the midpoint to the nearer one.
        for (ushort h = 0; h < 0x7BFF; h++)
        {
            float lo = Fp16.ToSingle(h), hi = Fp16.ToSingle((ushort)(h + 1));
            var mid = (lo + hi) / 2;
            Assert.Equal((h & 1) == 0 ? h : (ushort)(h + 1), Fp16.FromSingle(mid));
            Assert.Equal(h, Fp16.FromSingle(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(mid) - 1)));
            Assert.Equal((ushort)(h + 1), Fp16.FromSingle(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(mid) + 1)));
            Assert.Equal((ushort)(h | 0x8000), Fp16.FromSingle(-lo));
        }
        Assert.Equal((ushort)0x7C00, Fp16.FromSingle(65520f)); // the midpoint past the largest finite half overflows
    }

    [Theory]
    [InlineData(1f, 0x3F80)]
    [InlineData(1.00390625f, 0x3F80)]    // exactly halfway, rounds to even (down)
    [InlineData(1.01171875f, 0x3F82)]    // exactly halfway, rounds to even (up)
    [InlineData(-3f, 0xC040)]
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(1e-40f, 0x0001)]         // subnormals are kept, not flushed
    public void BF16_rounds_to_nearest_even(float value, int expected) =>
        Assert.Equal((ushort)expected, Bf16.FromSingle(value));

    [Fact]
    public void BF16_keeps_NaN_a_NaN()
    {
        var nan = BitConverter.UInt32BitsToSingle(0x7F800001); // payload only in the bits truncation drops
        Assert.True(float.IsNaN(Bf16.ToSingle(Bf16.FromSingle(nan))));
    }
}
