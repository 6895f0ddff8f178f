using System.Buffers.Binary;

namespace Umbra.Inference.Tensors;

/// <summary>
/// ggml's block_q8_0: 32 values as a binary16 scale d (bytes 0-1) then 32 signed bytes q (bytes 2-33);
/// value[j] = d * q[j].
/// </summary>
internal static class Q8_0Format
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (var b = 0; b < dst.Length / BlockSize; b++)
        {
            var block = src.Slice(b * BlockBytes, BlockBytes);
            var y = dst.Slice(b * BlockSize, BlockSize);
            var d = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
            for (var j = 0; j < BlockSize; j++)
                y[j] = (sbyte)block[2 + j] * d;
        }
    }

    /// <summary>
    /// Same arithmetic as ggml's quantize_row_q8_0_ref: d = absmax / 127, q = round-half-away(x / d).
    /// The error per value is at most d/2 plus what rounding d to binary16 costs (127 * |d - fp16(d)|).
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (var b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var block = dst.Slice(b * BlockBytes, BlockBytes);
            var amax = 0f;
            foreach (var v in x)
                amax = MathF.Max(amax, MathF.Abs(v));
            var d = amax / 127;
            var id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, Fp16.FromSingle(d));
            for (var j = 0; j < BlockSize; j++)
                block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
