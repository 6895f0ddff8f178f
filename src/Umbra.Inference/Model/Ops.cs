using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Umbra.Inference.Model;

/// <summary>The element-wise, normalization and attention steps of the forward pass, vectorized.</summary>
internal static class Ops
{
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output)
    {
        float sumSq = TensorPrimitives.SumOfSquares(x);
        float scale = 1f / MathF.Sqrt(sumSq / x.Length + eps);
        TensorPrimitives.Multiply(x, scale, output);
        TensorPrimitives.Multiply(output[..x.Length], weight, output);
    }

    /// <summary>
    /// Softmax in place, stable against large logits. A score of −∞ (a masked position) gets weight 0; a NaN, a +∞
    /// or a row of nothing but −∞ makes the row NaN, as the definition does.
    /// </summary>
    public static void Softmax(Span<float> x)
    {
        if (!Vector256.IsHardwareAccelerated || x.Length < 2 * Vector256<float>.Count)
        {
            TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), x);
            TensorPrimitives.Exp(x, x);
            TensorPrimitives.Divide(x, TensorPrimitives.Sum(x), x);
            return;
        }
        // Three passes in vectors with no library call per pass: attention takes the softmax of a few hundred
        // scores per head, where five calls' fixed costs came to more than the attention's multiply-adds.
        ref float first = ref MemoryMarshal.GetReference(x);
        int n = x.Length, last = n - Vector256<float>.Count;
        var m = Vector256.LoadUnsafe(ref first);
        for (int i = Vector256<float>.Count; i < last; i += Vector256<float>.Count)
            m = Vector256.Max(m, Vector256.LoadUnsafe(ref first, (nuint)i));
        m = Vector256.Max(m, Vector256.LoadUnsafe(ref first, (nuint)last));
        var h = Vector128.Max(m.GetLower(), m.GetUpper());
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        float top = h.ToScalar();
        var peak = Vector256.Create(top);
        var total = Vector256<float>.Zero;
        int j = 0;
        for (; j <= last; j += Vector256<float>.Count)
        {
            var e = Vector256.Exp(Vector256.LoadUnsafe(ref first, (nuint)j) - peak);
            e.StoreUnsafe(ref first, (nuint)j);
            total += e;
        }
        if (j < n)
        {
            // The last few through the same vector exp, padded with −∞ (whose exp adds 0), so equal scores get
            // equal weights wherever they stand.
            Span<float> rest = stackalloc float[Vector256<float>.Count];
            rest.Fill(float.NegativeInfinity);
            x[j..].CopyTo(rest);
            var e = Vector256.Exp(Vector256.Create((ReadOnlySpan<float>)rest) - peak);
            total += e;
            e.CopyTo(rest);
            rest[..(n - j)].CopyTo(x[j..]);
        }
        float inverse = 1f / Vector256.Sum(total);
        var inverses = Vector256.Create(inverse);
        for (j = 0; j <= last; j += Vector256<float>.Count)
            (Vector256.LoadUnsafe(ref first, (nuint)j) * inverses).StoreUnsafe(ref first, (nuint)j);
        for (; j < n; j++)
            x[j] *= inverse;
    }

    /// <summary>
    /// <see cref="Softmax"/> with 512-bit vectors (AVX-512 where .NET accelerates it; else, or for fewer than 32
    /// scores, <see cref="Softmax"/> itself), for the 512-bit attention kernel: the same passes, 16 lanes wide.
    /// </summary>
    public static void SoftmaxWide(Span<float> x)
    {
        if (!Vector512.IsHardwareAccelerated || x.Length < 2 * Vector512<float>.Count)
        {
            Softmax(x);
            return;
        }
        ref float first = ref MemoryMarshal.GetReference(x);
        int n = x.Length, last = n - Vector512<float>.Count;
        var m = Vector512.LoadUnsafe(ref first);
        for (int i = Vector512<float>.Count; i < last; i += Vector512<float>.Count)
            m = Vector512.Max(m, Vector512.LoadUnsafe(ref first, (nuint)i));
        m = Vector512.Max(m, Vector512.LoadUnsafe(ref first, (nuint)last));
        var h = Vector256.Max(m.GetLower(), m.GetUpper());
        var g = Vector128.Max(h.GetLower(), h.GetUpper());
        g = Vector128.Max(g, Vector128.Shuffle(g, Vector128.Create(2, 3, 0, 1)));
        g = Vector128.Max(g, Vector128.Shuffle(g, Vector128.Create(1, 0, 3, 2)));
        var peak = Vector512.Create(g.ToScalar());
        var total = Vector512<float>.Zero;
        int j = 0;
        for (; j <= last; j += Vector512<float>.Count)
        {
            var e = Vector512.Exp(Vector512.LoadUnsafe(ref first, (nuint)j) - peak);
            e.StoreUnsafe(ref first, (nuint)j);
            total += e;
        }
        if (j < n)
        {
            // The last few padded with −∞, as in Softmax.
            Span<float> rest = stackalloc float[Vector512<float>.Count];
            rest.Fill(float.NegativeInfinity);
            x[j..].CopyTo(rest);
            var e = Vector512.Exp(Vector512.Create((ReadOnlySpan<float>)rest) - peak);
            total += e;
            e.CopyTo(rest);
            rest[..(n - j)].CopyTo(x[j..]);
        }
        float inverse = 1f / Vector512.Sum(total);
        var inverses = Vector512.Create(inverse);
        for (j = 0; j <= last; j += Vector512<float>.Count)
            (Vector512.LoadUnsafe(ref first, (nuint)j) * inverses).StoreUnsafe(ref first, (nuint)j);
        for (; j < n; j++)
            x[j] *= inverse;
    }

    /// <summary>gate = silu(gate) * up, with <paramref name="scratch"/> at least as long as gate.</summary>
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up, Span<float> scratch)
    {
        var s = scratch[..gate.Length];
        TensorPrimitives.Sigmoid(gate, s);
        TensorPrimitives.Multiply(gate, s, gate);
        TensorPrimitives.Multiply(gate, up, gate);
    }

    /// <summary>The rotary frequency of each rotated pair: base^(−2i/d), divided by Llama 3's factors when present.</summary>
    public static double[] RopeFrequencies(ModelConfig c, float[]? frequencyFactors)
    {
        int pairs = c.RopeDimensions / 2;
        var freq = new double[pairs];
        for (int i = 0; i < pairs; i++)
        {
            freq[i] = Math.Pow(c.RopeFreqBase, -2.0 * i / c.RopeDimensions);
            if (frequencyFactors != null) freq[i] /= frequencyFactors[i];
        }
        return freq;
    }

    /// <summary>Computes the cos/sin of each rotated pair at <paramref name="position"/>.</summary>
    public static void RopeAngles(int position, float linearScale, ReadOnlySpan<double> frequencies, Span<float> cos, Span<float> sin)
    {
        float pos = position / linearScale;
        for (int i = 0; i < frequencies.Length; i++)
        {
            double theta = pos * frequencies[i];
            cos[i] = (float)Math.Cos(theta);
            sin[i] = (float)Math.Sin(theta);
        }
    }

    /// <summary>
    /// Rotates every head of <paramref name="x"/> (heads × headDim values) by the precomputed angles, using
    /// <paramref name="scratch"/> (2 × ropeDims floats). NeoX pairs the two halves of the rotated part, so it runs
    /// as whole-vector operations. The interleaved (llama) layout pairs neighbours: 8 values at a time as
    /// x·(c, c) + swap(x)·(−s, s) per pair, the same products and sums as the scalar form, so the same bits
    /// (<see cref="ApplyRopeScalar"/>).
    /// </summary>
    public static void ApplyRope(Span<float> x, int heads, int headDim, int ropeDims, RopeStyle style, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> scratch)
    {
        if (style == RopeStyle.Interleaved && Vector256.IsHardwareAccelerated && ropeDims % Vector256<float>.Count == 0)
        {
            ApplyInterleaved(x, heads, headDim, ropeDims, cos, sin, scratch);
            return;
        }
        ApplyRopeScalar(x, heads, headDim, ropeDims, style, cos, sin, scratch);
    }

    private static void ApplyInterleaved(Span<float> x, int heads, int headDim, int ropeDims, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> scratch)
    {
        var c = scratch[..ropeDims];
        var s = scratch.Slice(ropeDims, ropeDims);
        for (int i = 0; i < ropeDims / 2; i++)
        {
            c[2 * i] = c[2 * i + 1] = cos[i];
            s[2 * i] = -sin[i];
            s[2 * i + 1] = sin[i];
        }
        var swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        for (int h = 0; h < heads; h++)
        {
            var head = x.Slice(h * headDim, ropeDims);
            for (int j = 0; j < ropeDims; j += Vector256<float>.Count)
            {
                var v = Vector256.Create<float>(head[j..]);
                // Even lanes x0·c − x1·s, odd lanes x1·c + x0·s: x1·(−s) is −(x1·s) exactly, and a sum does not depend on its order.
                var rotated = v * Vector256.Create<float>(c[j..]) + Vector256.Shuffle(v, swap) * Vector256.Create<float>(s[j..]);
                rotated.CopyTo(head[j..]);
            }
        }
    }

    /// <summary><see cref="ApplyRope"/> a pair at a time for the interleaved layout (the reference for its vector form).</summary>
    internal static void ApplyRopeScalar(Span<float> x, int heads, int headDim, int ropeDims, RopeStyle style, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> scratch)
    {
        int pairs = ropeDims / 2;
        cos = cos[..pairs];
        sin = sin[..pairs];
        for (int h = 0; h < heads; h++)
        {
            var head = x.Slice(h * headDim, headDim);
            if (style == RopeStyle.NeoX)
            {
                var x0 = head[..pairs];
                var x1 = head.Slice(pairs, pairs);
                var a = scratch[..pairs];
                var b = scratch.Slice(pairs, pairs);
                // a = x0·cos − x1·sin, b = x0·sin + x1·cos
                TensorPrimitives.Multiply(x1, sin, a);
                TensorPrimitives.Negate(a, a);
                TensorPrimitives.MultiplyAdd(x0, cos, a, a);
                TensorPrimitives.Multiply(x0, sin, b);
                TensorPrimitives.MultiplyAdd(x1, cos, b, b);
                a.CopyTo(x0);
                b.CopyTo(x1);
                continue;
            }
            for (int i = 0; i < pairs; i++)
            {
                float x0 = head[2 * i], x1 = head[2 * i + 1];
                head[2 * i] = x0 * cos[i] - x1 * sin[i];
                head[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    /// <summary>
    /// q · k for the first <paramref name="n"/> slots of one block of transposed keys (value d of slot s at
    /// d × <paramref name="blockSize"/> + s of <paramref name="keys"/>): 4 slots per 128-bit vector where the
    /// block is a whole number of them (ARM64's NEON and SSE alike), else slot by slot.
    /// </summary>
    private static void ScoreBlock(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, int blockSize, int n, Span<float> scores)
    {
        int hd = q.Length;
        if (Vector128.IsHardwareAccelerated && blockSize % Vector128<float>.Count == 0)
        {
            if ((long)hd * blockSize > keys.Length)
                throw new ArgumentOutOfRangeException(nameof(keys), "The block lies outside the cache.");
            Span<float> lanes = stackalloc float[Vector128<float>.Count];
            ref float k = ref MemoryMarshal.GetReference(keys);
            for (int s0 = 0; s0 < n; s0 += Vector128<float>.Count)
            {
                var acc = Vector128<float>.Zero;
                for (int d = 0; d < hd; d++)
                    acc += Vector128.Create(q[d]) * Vector128.LoadUnsafe(ref k, (nuint)(d * blockSize + s0));
                acc.CopyTo(lanes);
                lanes[..Math.Min(Vector128<float>.Count, n - s0)].CopyTo(scores[s0..]);
            }
            return;
        }
        for (int s = 0; s < n; s++)
        {
            float dot = 0;
            for (int d = 0; d < hd; d++)
                dot += q[d] * keys[d * blockSize + s];
            scores[s] = dot;
        }
    }

    /// <summary>
    /// One query head against the positions 0..<paramref name="length"/>−1 of a sequence in a block cache (the
    /// <see cref="KvCache"/> layout: elements of float (F32) or Half (F16), blocks of blockSize × kvDim of them, the
    /// key-value head's part at element <paramref name="kvOffset"/> inside each block, its keys transposed): scores
    /// q·k/√d, softmax, then the weighted sum of values into <paramref name="output"/>. Half elements are widened a
    /// block at a time into <paramref name="widened"/> (blockSize × hd floats; unused for float).
    /// </summary>
    public static void Attend<T>(ReadOnlySpan<float> q, ReadOnlySpan<T> keys, ReadOnlySpan<T> values, ReadOnlySpan<int> blocks,
        int blockSize, int length, int kvDim, int kvOffset, float scale, Span<float> scores, Span<float> output, Span<float> widened)
        where T : unmanaged
    {
        int hd = q.Length;
        var att = scores[..length];
        for (int t = 0, b = 0; t < length; b++)
        {
            int n = Math.Min(blockSize, length - t);
            int baseOffset = blocks[b] * blockSize * kvDim + kvOffset;
            // Keys transposed: value d of the block's slots lies at d × blockSize.
            ScoreBlock(q, HeadBlock(keys, baseOffset, hd * blockSize, widened), blockSize, n, att.Slice(t, n));
            t += n;
        }
        TensorPrimitives.Multiply(att, scale, att);
        Softmax(att);
        output.Clear();
        for (int t = 0, b = 0; t < length; b++)
        {
            int n = Math.Min(blockSize, length - t);
            var block = HeadBlock(values, blocks[b] * blockSize * kvDim + kvOffset, n * hd, widened);
            for (int s = 0; s < n; s++)
                TensorPrimitives.MultiplyAdd(block.Slice(s * hd, hd), att[t + s], output, output);
            t += n;
        }
    }

    /// <summary>Elements offset..offset+count−1 of a layer's keys or values as floats: in place for float, widened into <paramref name="widened"/> for Half.</summary>
    private static ReadOnlySpan<float> HeadBlock<T>(ReadOnlySpan<T> layer, int offset, int count, Span<float> widened)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return MemoryMarshal.Cast<T, float>(layer.Slice(offset, count));
        if (typeof(T) != typeof(Half))
            throw new NotSupportedException($"The KV cache holds float or Half, not {typeof(T).Name}.");
        var block = widened[..count];
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<T, Half>(layer.Slice(offset, count)), block);
        return block;
    }
}
