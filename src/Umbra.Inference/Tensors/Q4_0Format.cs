using System.Buffers.Binary;

namespace Umbra.Inference.Tensors;

/// <summary>
/// ggml's block_q4_0: 32 values as a binary16 scale d (bytes 0-1) then 16 bytes of nibbles (bytes 2-17).
/// Byte j holds value j in its low nibble and value j + 16 in its high nibble; value = d * (nibble - 8).
/// </summary>
internal static class Q4_0Format
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (var b = 0; b < dst.Length / BlockSize; b++)
        {
            var block = src.Slice(b * BlockBytes, BlockBytes);
            var y = dst.Slice(b * BlockSize, BlockSize);
            var d = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
            for (var j = 0; j < BlockSize / 2; j++)
            {
                var q = block[2 + j];
                y[j] = ((q & 0xF) - 8) * d;
                y[j + BlockSize / 2] = ((q >> 4) - 8) * d;
            }
        }
    }

    /// <summary>
    /// Same arithmetic as ggml's quantize_row_q4_0_ref: the value of largest magnitude m sets d = m / -8, so m
    /// lands exactly on -8 and values of the other sign reach +8 at most, where they are clamped to +7.
    /// Error per value: at most |d|/2 (plus the binary16 rounding of d, times 8), except for values within the
    /// last half step on the side opposite m, which may be off by up to |d|.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (var b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var block = dst.Slice(b * BlockBytes, BlockBytes);
            float amax = 0, max = 0;
            foreach (var v in x)
            {
                if (amax < MathF.Abs(v))
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }
            var d = max / -8;
            var id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, Fp16.FromSingle(d));
            for (var j = 0; j < BlockSize / 2; j++)
            {
                // x * id + 8.5 is at least ~0.5, so truncation is round-half-up, as in the C code's (int8_t) cast.
                var lo = Math.Min(15, (int)(x[j] * id + 8.5f));
                var hi = Math.Min(15, (int)(x[j + BlockSize / 2] * id + 8.5f));
                block[2 + j] = (byte)(lo | (hi << 4));
            }
        }
    }
}
