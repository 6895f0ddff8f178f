using System.Numerics.Tensors;

namespace Umbra.Inference.Model;

/// <summary>The element-wise and normalization steps of the forward pass.</summary>
internal static class Ops
{
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output)
    {
        float sumSq = TensorPrimitives.SumOfSquares(x);
        float scale = 1f / MathF.Sqrt(sumSq / x.Length + eps);
        TensorPrimitives.Multiply(x, scale, output);
        TensorPrimitives.Multiply(output[..x.Length], weight, output);
    }

    /// <summary>Softmax in place, stable against large logits.</summary>
    public static void Softmax(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Divide(x, sum, x);
    }

    /// <summary>gate = silu(gate) * up.</summary>
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    /// <summary>Computes the cos/sin of each rotated pair at <paramref name="position"/>.</summary>
    public static void RopeAngles(int position, ModelConfig c, float[]? frequencyFactors, Span<float> cos, Span<float> sin)
    {
        int pairs = c.RopeDimensions / 2;
        float pos = position / c.RopeLinearScale;
        for (int i = 0; i < pairs; i++)
        {
            double freq = Math.Pow(c.RopeFreqBase, -2.0 * i / c.RopeDimensions);
            if (frequencyFactors != null) freq /= frequencyFactors[i];
            double theta = pos * freq;
            cos[i] = (float)Math.Cos(theta);
            sin[i] = (float)Math.Sin(theta);
        }
    }

    /// <summary>Rotates every head of <paramref name="x"/> (heads × headDim values) by the precomputed angles.</summary>
    public static void ApplyRope(Span<float> x, int heads, int headDim, int ropeDims, RopeStyle style, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int pairs = ropeDims / 2;
        for (int h = 0; h < heads; h++)
        {
            var head = x.Slice(h * headDim, headDim);
            for (int i = 0; i < pairs; i++)
            {
                int a = style == RopeStyle.Interleaved ? 2 * i : i;
                int b = style == RopeStyle.Interleaved ? 2 * i + 1 : i + pairs;
                float x0 = head[a], x1 = head[b];
                head[a] = x0 * cos[i] - x1 * sin[i];
                head[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}
