using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>Deterministic random inputs shaped like real weights and activations.</summary>
internal static class TestVectors
{
    public static readonly GgmlType[] Types =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K];

    public static int BlockSize(GgmlType type) => GgmlTypeInfo.Geometry(type).BlockSize;

    /// <summary>
    /// Gaussian values whose magnitude changes every 32 values (over four decades) so blocks and sub-blocks get
    /// different scales, with a few outliers, an all-zero stretch and, when there is room, a constant stretch.
    /// </summary>
    public static float[] Weights(int n, int seed)
    {
        var rng = new Random(seed);
        var v = new float[n];
        var scale = 1.0;
        for (var i = 0; i < n; i++)
        {
            if (i % 32 == 0)
                scale = Math.Pow(10, rng.NextDouble() * 4 - 2);
            v[i] = (float)(Gaussian(rng) * scale);
            if (rng.Next(200) == 0)
                v[i] *= 8;
        }
        if (n >= 96)
        {
            Array.Clear(v, 32, 16);
            Array.Fill(v, 0.75f, 64, 16);
        }
        return v;
    }

    /// <summary>Gaussian activations with unit variance.</summary>
    public static float[] Activations(int n, int seed)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (var i = 0; i < n; i++)
            v[i] = (float)Gaussian(rng);
        return v;
    }

    public static byte[] Encode(GgmlType type, float[] values)
    {
        var bytes = new byte[GgmlTypeInfo.RowSize(type, values.Length)];
        Quantization.Quantize(type, values, bytes);
        return bytes;
    }

    public static float[] Decode(GgmlType type, byte[] bytes, int n)
    {
        var values = new float[n];
        Quantization.Dequantize(type, bytes, values);
        return values;
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
