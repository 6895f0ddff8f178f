using System.Buffers.Binary;

namespace Umbra.Inference.Tensors;

/// <summary>
/// ggml's block_q6_K: a 256-value super-block in 210 bytes: ql[128] (bytes 0-127, low 4 bits of each value),
/// qh[64] (bytes 128-191, high 2 bits), 16 signed 8-bit sub-block scales (bytes 192-207) and binary16 d
/// (bytes 208-209). Each 128-value half h uses ql[64h..64h+63], qh[32h..32h+31] and scales[8h..8h+7]; within a
/// half, value 32k + l (k = 0..3, l = 0..31) takes the low (k = 0, 1) or high (k = 2, 3) nibble of
/// ql[l + 32 (k % 2)], bits 2k..2k+1 of qh[l], and scale 2k + l / 16. value = d * scale * (q - 32), q in 0..63.
/// </summary>
internal static class Q6KFormat
{
    public const int BlockSize = 256;
    public const int BlockBytes = 210;
    public const int QhOffset = 128;
    public const int ScalesOffset = 192;
    public const int DOffset = 208;

    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (var b = 0; b < dst.Length / BlockSize; b++)
        {
            var block = src.Slice(b * BlockBytes, BlockBytes);
            var y = dst.Slice(b * BlockSize, BlockSize);
            var d = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block[DOffset..]));
            for (var h = 0; h < 2; h++)
            {
                var ql = block.Slice(64 * h, 64);
                var qh = block.Slice(QhOffset + 32 * h, 32);
                var sc = block.Slice(ScalesOffset + 8 * h, 8);
                var yh = y.Slice(128 * h, 128);
                for (var l = 0; l < 32; l++)
                {
                    var s = l / 16;
                    var q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                    var q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    var q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    var q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    // (d * scale) * q, in that order, as ggml's dequantize_row_q6_K computes it: the product of
                    // three can round, so the order matters for bit-exact results.
                    yh[l] = d * (sbyte)sc[s] * q1;
                    yh[l + 32] = d * (sbyte)sc[s + 2] * q2;
                    yh[l + 64] = d * (sbyte)sc[s + 4] * q3;
                    yh[l + 96] = d * (sbyte)sc[s + 6] * q4;
                }
            }
        }
    }

    /// <summary>
    /// A simpler quantizer than ggml's (which refines each scale by weighted least squares). Each 16-value
    /// sub-block takes the smallest-magnitude signed scale s whose grid s * (-32..31) covers all its values
    /// (a negative s puts the wider side, -32, on the positive values); the scales are then rounded to nearest
    /// against d = max |s| / 127 and the values rounded against d * scale as stored. With A the super-block's
    /// largest magnitude, every error is at most A/62 up to binary16 rounding of d (half a step of the coarsest
    /// sub-block, which is at most A/31 wide).
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        Span<float> subScale = stackalloc float[16];
        Span<byte> levels = stackalloc byte[BlockSize];
        for (var b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var block = dst.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            var maxScale = 0f;
            for (var s = 0; s < 16; s++)
            {
                float lo = 0, hi = 0;
                foreach (var v in x.Slice(16 * s, 16))
                {
                    lo = MathF.Min(lo, v);
                    hi = MathF.Max(hi, v);
                }
                var positive = MathF.Max(hi / 31, -lo / 32);  // grid [-32 s, 31 s]
                var negative = MathF.Max(-lo / 31, hi / 32);  // grid [-31 |s|, 32 |s|]
                subScale[s] = positive <= negative ? positive : -negative;
                maxScale = MathF.Max(maxScale, MathF.Abs(subScale[s]));
            }
            if (maxScale == 0)
                continue; // all zeros: d = 0 decodes every value to 0, as ggml's own quantizer emits

            var dh = Fp16.FromSingle(maxScale / 127);
            BinaryPrimitives.WriteUInt16LittleEndian(block[DOffset..], dh);
            var d = Fp16.ToSingle(dh);
            for (var s = 0; s < 16; s++)
            {
                var sc = d > 0 ? Math.Clamp((int)MathF.Round(subScale[s] / d), -127, 127) : 0;
                block[ScalesOffset + s] = (byte)(sbyte)sc;
                var step = d * sc;
                var inv = step != 0 ? 1f / step : 0f;
                for (var l = 0; l < 16; l++)
                    levels[16 * s + l] = (byte)(Math.Clamp((int)MathF.Round(x[16 * s + l] * inv), -32, 31) + 32);
            }
            Pack(levels, block);
        }
    }

    /// <summary>Splits 256 levels (0..63) into the ql/qh layout described on the type.</summary>
    private static void Pack(ReadOnlySpan<byte> levels, Span<byte> block)
    {
        for (var h = 0; h < 2; h++)
        {
            var ql = block.Slice(64 * h, 64);
            var qh = block.Slice(QhOffset + 32 * h, 32);
            var lv = levels.Slice(128 * h, 128);
            for (var l = 0; l < 32; l++)
            {
                ql[l] = (byte)((lv[l] & 0xF) | ((lv[l + 64] & 0xF) << 4));
                ql[l + 32] = (byte)((lv[l + 32] & 0xF) | ((lv[l + 96] & 0xF) << 4));
                qh[l] = (byte)((lv[l] >> 4) | ((lv[l + 32] >> 4) << 2) | ((lv[l + 64] >> 4) << 4) | ((lv[l + 96] >> 4) << 6));
            }
        }
    }
}
