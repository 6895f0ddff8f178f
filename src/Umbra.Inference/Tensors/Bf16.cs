namespace Umbra.Inference.Tensors;

/// <summary>bfloat16: the top half of an IEEE binary32, so widening is a shift.</summary>
internal static class Bf16
{
    public static float ToSingle(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    /// <summary>
    /// Round to nearest even; NaN stays NaN (a quiet bit is forced so truncation cannot turn it into infinity);
    /// subnormals are kept. This matches ggml's ggml_compute_fp32_to_bf16.
    /// </summary>
    public static ushort FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000)
            return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    }
}
