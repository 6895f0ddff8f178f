using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Model;

/// <summary>
/// Attention for up to <see cref="Heads"/> query heads that share one key-value head (grouped-query attention):
/// each cached key and value row is loaded once for all of them, and the per-head dot products, 64 to 128 values
/// long, run inline instead of one library call per position. Needs AVX2 + FMA and a head size that is a multiple
/// of 8; <see cref="IsSupported"/> says when the forward pass can use it, else it attends head by head (<see cref="Ops.Attend"/>).
/// </summary>
internal static unsafe class GroupedAttention
{
    /// <summary>Query heads taken together.</summary>
    public const int Heads = 4;

    public static bool IsSupported(int headDim) => Avx2.IsSupported && Fma.IsSupported && headDim % 8 == 0;

    /// <summary>
    /// Query heads q[h] (h &lt; <paramref name="heads"/>, each <paramref name="hd"/> values, consecutive) against positions
    /// 0..<paramref name="length"/>−1 of a sequence in the block cache: scores q·k × <paramref name="scale"/>, softmax,
    /// then the weighted sum of values into output[h]. <paramref name="scores"/> holds <see cref="Heads"/> rows of
    /// <paramref name="stride"/> ≥ length floats; <paramref name="zero"/> is <paramref name="hd"/> zeros and
    /// <paramref name="spare"/> hd floats of scratch, standing in for the heads past <paramref name="heads"/>.
    /// </summary>
    public static void Attend(float* q, int heads, int hd, float* keys, float* values, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare)
    {
        float* q0 = q, q1 = heads > 1 ? q + hd : zero, q2 = heads > 2 ? q + 2 * hd : zero, q3 = heads > 3 ? q + 3 * hd : zero;
        for (int t = 0, b = 0; t < length; b++)
        {
            var n = Math.Min(blockSize, length - t);
            var k = keys + (long)blocks[b] * blockSize * kvDim + kvOffset;
            for (var s = 0; s < n; s++, t++, k += kvDim)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var j = 0; j < hd; j += 8)
                {
                    var kv = Vector256.Load(k + j);
                    a0 = Fma.MultiplyAdd(Vector256.Load(q0 + j), kv, a0);
                    a1 = Fma.MultiplyAdd(Vector256.Load(q1 + j), kv, a1);
                    a2 = Fma.MultiplyAdd(Vector256.Load(q2 + j), kv, a2);
                    a3 = Fma.MultiplyAdd(Vector256.Load(q3 + j), kv, a3);
                }
                var sums = Sum4(a0, a1, a2, a3) * Vector128.Create(scale);
                scores[t] = sums.GetElement(0);
                scores[stride + t] = sums.GetElement(1);
                scores[2 * stride + t] = sums.GetElement(2);
                scores[3 * stride + t] = sums.GetElement(3);
            }
        }
        for (var h = 0; h < heads; h++)
            Ops.Softmax(new Span<float>(scores + h * stride, length));

        float* p0 = scores, p1 = scores + stride, p2 = scores + 2 * stride, p3 = scores + 3 * stride;
        float* o0 = output, o1 = heads > 1 ? output + hd : spare, o2 = heads > 2 ? output + 2 * hd : spare, o3 = heads > 3 ? output + 3 * hd : spare;
        for (var j = 0; j < hd; j += 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0, b = 0; t < length; b++)
            {
                var n = Math.Min(blockSize, length - t);
                var v = values + (long)blocks[b] * blockSize * kvDim + kvOffset + j;
                for (var s = 0; s < n; s++, t++, v += kvDim)
                {
                    var vv = Vector256.Load(v);
                    a0 = Fma.MultiplyAdd(Vector256.Create(p0[t]), vv, a0);
                    a1 = Fma.MultiplyAdd(Vector256.Create(p1[t]), vv, a1);
                    a2 = Fma.MultiplyAdd(Vector256.Create(p2[t]), vv, a2);
                    a3 = Fma.MultiplyAdd(Vector256.Create(p3[t]), vv, a3);
                }
            }
            a0.Store(o0 + j);
            a1.Store(o1 + j);
            a2.Store(o2 + j);
            a3.Store(o3 + j);
        }
    }

    /// <summary>The lane sums of 4 vectors, in lanes 0..3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        var k = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        return k.GetLower() + k.GetUpper();
    }
}
