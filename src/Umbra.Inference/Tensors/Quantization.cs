namespace Umbra.Inference.Tensors;

/// <summary>
/// Conversion between floats and ggml weight layouts (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K). Dequantization
/// is bit-exact with ggml. Quantization matches ggml's reference quantizers for F16, BF16, Q8_0 and Q4_0; Q4_K
/// and Q6_K use simpler quantizers (see <see cref="Q4KFormat.Quantize"/> and <see cref="Q6KFormat.Quantize"/>)
/// that write valid blocks with bounded but somewhat larger error than ggml's.
/// </summary>
public static class Quantization
{
    internal const string SupportedTypeNames = "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K";

    /// <summary>Dequantizes dst.Length elements (a multiple of the block size) from src, which must hold exactly that many.</summary>
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        CheckSizes(type, dst.Length, src.Length, nameof(src), nameof(dst));
        switch (type)
        {
            case GgmlType.F32: FloatFormat.DequantizeF32(src, dst); break;
            case GgmlType.F16: FloatFormat.DequantizeF16(src, dst); break;
            case GgmlType.BF16: FloatFormat.DequantizeBF16(src, dst); break;
            case GgmlType.Q8_0: Q8_0Format.Dequantize(src, dst); break;
            case GgmlType.Q4_0: Q4_0Format.Dequantize(src, dst); break;
            case GgmlType.Q4_K: Q4KFormat.Dequantize(src, dst); break;
            default: Q6KFormat.Dequantize(src, dst); break;
        }
    }

    /// <summary>Quantizes src.Length floats (a multiple of the block size) into dst, which must be exactly the encoded size.</summary>
    public static void Quantize(GgmlType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        CheckSizes(type, src.Length, dst.Length, nameof(dst), nameof(src));
        switch (type)
        {
            case GgmlType.F32: FloatFormat.QuantizeF32(src, dst); break;
            case GgmlType.F16: FloatFormat.QuantizeF16(src, dst); break;
            case GgmlType.BF16: FloatFormat.QuantizeBF16(src, dst); break;
            case GgmlType.Q8_0: Q8_0Format.Quantize(src, dst); break;
            case GgmlType.Q4_0: Q4_0Format.Quantize(src, dst); break;
            case GgmlType.Q4_K: Q4KFormat.Quantize(src, dst); break;
            default: Q6KFormat.Quantize(src, dst); break;
        }
    }

    /// <summary>True for the types <see cref="Quantize"/> and <see cref="Dequantize"/> accept.</summary>
    public static bool CanQuantize(GgmlType type) => GgmlTypeInfo.IsSupportedWeightType(type);

    private static void CheckSizes(GgmlType type, int count, int byteLength, string bytesParam, string floatsParam)
    {
        if (!CanQuantize(type))
            throw new ArgumentException($"Cannot convert {type} data; supported types: {SupportedTypeNames}.", nameof(type));
        var (block, size) = GgmlTypeInfo.Geometry(type);
        if (count % block != 0)
            throw new ArgumentException($"{count} values are not a whole number of {block}-value {type} blocks.", floatsParam);
        var expected = (long)count / block * size;
        if (byteLength != expected)
            throw new ArgumentException($"{count} {type} values take {expected} bytes, but the byte span holds {byteLength}.", bytesParam);
    }
}
