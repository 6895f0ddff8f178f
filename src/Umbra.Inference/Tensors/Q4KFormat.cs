using System.Buffers.Binary;

namespace Umbra.Inference.Tensors;

/// <summary>
/// ggml's block_q4_K: a 256-value super-block in 144 bytes: binary16 d (bytes 0-1) and dmin (bytes 2-3),
/// 12 bytes of packed 6-bit sub-block scales and mins (bytes 4-15), then 128 bytes of nibbles (bytes 16-143).
/// The eight 32-value sub-blocks go in pairs over 32 bytes of nibbles: sub-block 2g takes the low nibbles of
/// bytes 32g..32g+31, sub-block 2g+1 their high nibbles. value = d * scale[s] * q - dmin * min[s].
/// </summary>
internal static class Q4KFormat
{
    public const int BlockSize = 256;
    public const int BlockBytes = 144;
    public const int ScalesOffset = 4;
    public const int QsOffset = 16;

    /// <summary>
    /// Unpacks sub-block s's 6-bit scale and min from the 12 scale bytes (ggml's get_scale_min_k4). Sub-blocks
    /// 0-3 keep both in the low 6 bits of bytes s and s+4; sub-blocks 4-7 keep their low 4 bits in the nibbles of
    /// byte s+4 and their top 2 bits in the spare top bits of bytes s-4 (scale) and s (min).
    /// </summary>
    public static (int Scale, int Min) ScaleMin(ReadOnlySpan<byte> scales, int s) => s < 4
        ? (scales[s] & 63, scales[s + 4] & 63)
        : ((scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4), (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4));

    /// <summary>Inverse of <see cref="ScaleMin"/>; <paramref name="scales"/> must start zeroed.</summary>
    public static void PackScaleMin(Span<byte> scales, int s, int scale, int min)
    {
        if (s < 4)
        {
            scales[s] |= (byte)scale;
            scales[s + 4] |= (byte)min;
        }
        else
        {
            scales[s + 4] = (byte)((scale & 0xF) | ((min & 0xF) << 4));
            scales[s - 4] |= (byte)((scale >> 4) << 6);
            scales[s] |= (byte)((min >> 4) << 6);
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (var b = 0; b < dst.Length / BlockSize; b++)
        {
            var block = src.Slice(b * BlockBytes, BlockBytes);
            var y = dst.Slice(b * BlockSize, BlockSize);
            var d = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
            var dmin = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block[2..]));
            var scales = block.Slice(ScalesOffset, 12);
            var qs = block[QsOffset..];
            for (var g = 0; g < 4; g++)
            {
                var (sc0, m0) = ScaleMin(scales, 2 * g);
                var (sc1, m1) = ScaleMin(scales, 2 * g + 1);
                // Same float operations, in the same order, as ggml's dequantize_row_q4_K, so results are bit-exact.
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                for (var l = 0; l < 32; l++)
                {
                    var q = qs[32 * g + l];
                    y[64 * g + l] = d0 * (q & 0xF) - min0;
                    y[64 * g + 32 + l] = d1 * (q >> 4) - min1;
                }
            }
        }
    }

    /// <summary>
    /// A simpler quantizer than ggml's (which searches each sub-block for the scale and min of least weighted
    /// error): each sub-block maps [min(0, lo), hi] linearly onto 0..15, the 6-bit scales and mins are rounded
    /// to nearest against d = max scale / 63 and dmin = max min / 63, and the values are then rounded against the
    /// scale and min actually stored. With R the largest (hi - min(0, lo)) / 15 and M the largest -min(0, lo) of
    /// the super-block's sub-blocks, the error per value is at most max(R/2, 7.5 d + dmin/2) up to binary16
    /// rounding, so below R/2 + M/126.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        Span<float> subScale = stackalloc float[8];
        Span<float> subMin = stackalloc float[8];
        for (var b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var block = dst.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            float maxScale = 0, maxMin = 0;
            for (var s = 0; s < 8; s++)
            {
                var sub = x.Slice(32 * s, 32);
                float lo = 0, hi = float.MinValue;
                foreach (var v in sub)
                {
                    lo = MathF.Min(lo, v);
                    hi = MathF.Max(hi, v);
                }
                subScale[s] = (hi - lo) / 15;
                subMin[s] = -lo;
                maxScale = MathF.Max(maxScale, subScale[s]);
                maxMin = MathF.Max(maxMin, subMin[s]);
            }

            var dh = Fp16.FromSingle(maxScale / 63);
            var dminh = Fp16.FromSingle(maxMin / 63);
            BinaryPrimitives.WriteUInt16LittleEndian(block, dh);
            BinaryPrimitives.WriteUInt16LittleEndian(block[2..], dminh);
            float d = Fp16.ToSingle(dh), dmin = Fp16.ToSingle(dminh);
            var scales = block.Slice(ScalesOffset, 12);
            var qs = block[QsOffset..];
            for (var s = 0; s < 8; s++)
            {
                var sc = d > 0 ? Math.Clamp((int)MathF.Round(subScale[s] / d), 0, 63) : 0;
                var m = dmin > 0 ? Math.Clamp((int)MathF.Round(subMin[s] / dmin), 0, 63) : 0;
                PackScaleMin(scales, s, sc, m);
                // Round against the stored (not the ideal) scale and min so the rounding error stays within half a step.
                float step = d * sc, offset = dmin * m;
                var inv = step > 0 ? 1f / step : 0f;
                int g = s / 2, shift = 4 * (s % 2);
                for (var l = 0; l < 32; l++)
                {
                    var q = Math.Clamp((int)MathF.Round((x[32 * s + l] + offset) * inv), 0, 15);
                    qs[32 * g + l] |= (byte)(q << shift);
                }
            }
        }
    }
}
