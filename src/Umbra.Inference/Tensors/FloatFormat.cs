using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Umbra.Inference.Tensors;

/// <summary>Element-wise formats (F32, F16, BF16): little-endian values, no blocks.</summary>
internal static class FloatFormat
{
    public static void DequantizeF32(ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
            return;
        }
        for (var i = 0; i < dst.Length; i++)
            dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
    }

    public static void QuantizeF32(ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(src).CopyTo(dst);
            return;
        }
        for (var i = 0; i < src.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]);
    }

    public static void DequantizeF16(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (var i = 0; i < dst.Length; i++)
            dst[i] = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
    }

    public static void QuantizeF16(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (var i = 0; i < src.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], Fp16.FromSingle(src[i]));
    }

    public static void DequantizeBF16(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (var i = 0; i < dst.Length; i++)
            dst[i] = Bf16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
    }

    public static void QuantizeBF16(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (var i = 0; i < src.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], Bf16.FromSingle(src[i]));
    }
}
