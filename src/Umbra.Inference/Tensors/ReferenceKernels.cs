namespace Umbra.Inference.Tensors;

/// <summary>
/// The slow, obviously-correct definition the fast kernels are tested against: dequantize with the bit-exact
/// format code, then accumulate in double. Allocates; not for production use.
/// </summary>
internal static class ReferenceKernels
{
    public static double Dot(GgmlType type, ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var w = new float[x.Length];
        Quantization.Dequantize(type, row, w);
        var sum = 0.0;
        for (var i = 0; i < w.Length; i++)
            sum += (double)w[i] * x[i];
        return sum;
    }

    /// <summary>sum |w_i x_i|: the scale against which a float dot product's rounding error is judged.</summary>
    public static double AbsDot(GgmlType type, ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var w = new float[x.Length];
        Quantization.Dequantize(type, row, w);
        var sum = 0.0;
        for (var i = 0; i < w.Length; i++)
            sum += Math.Abs((double)w[i] * x[i]);
        return sum;
    }
}
