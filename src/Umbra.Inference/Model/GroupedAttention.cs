using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Model;

/// <summary>
/// Attention for up to <see cref="Heads"/> query heads that share one key-value head (grouped-query attention):
/// each cached key and value is loaded once for all of them. The keys are stored transposed in each cache block
/// (<see cref="KvCache"/>), so one vector holds key value d of 8 (256-bit) or 16 (512-bit) consecutive positions:
/// the scores of those positions for every head come from hd broadcast multiply-adds per head, with no horizontal
/// sums. Up to 4 heads go through a 4-wide kernel, 5 to 8 through an 8-wide one (one generic body): with 8 query
/// heads per key-value head (TinyLlama, Llama 2 70B) one pass reads the cached keys and values once instead of
/// twice, and that reading is what attention costs once several sequences decode (their caches do not stay in L2).
/// Needs AVX2 + FMA and a head size that is a multiple of 8; <see cref="IsSupported"/> says when the forward pass
/// can use it, else it attends head by head (<see cref="Ops.Attend"/>). The same body runs 512 bits wide where
/// <see cref="IsWideSupported"/> allows (GroupedAttention.Vectors.cs).
/// </summary>
internal static unsafe partial class GroupedAttention
{
    /// <summary>Most query heads taken together.</summary>
    public const int Heads = 8;

    public static bool IsSupported(int headDim, int blockSize) =>
        Avx2.IsSupported && Fma.IsSupported && headDim % Lanes256.Count == 0 && blockSize % Lanes256.Count == 0;

    /// <summary>
    /// Whether the 512-bit kernel runs here for these sizes: AVX-512 F where .NET accelerates 512-bit vectors (it
    /// does not on cores that slow down for them), a head size and a block size in multiples of 16.
    /// </summary>
    public static bool IsWideSupported(int headDim, int blockSize) =>
        IsSupported(headDim, blockSize) && Avx512F.IsSupported && Vector512.IsHardwareAccelerated
        && headDim % Lanes512.Count == 0 && blockSize % Lanes512.Count == 0;

    /// <summary>Query heads per pass for <paramref name="group"/> query heads per key-value head: 4 when that covers them, else 8.</summary>
    public static int RunWidth(int group) => group <= 4 ? 4 : Heads;

    /// <summary>
    /// Query heads q[h] (h &lt; <paramref name="heads"/>, each <paramref name="hd"/> values, consecutive) against positions
    /// 0..<paramref name="length"/>−1 of a sequence in the block cache (<see cref="KvCache"/>: elements of
    /// <paramref name="type"/>, the key-value head's part at element <paramref name="kvOffset"/> in each block of
    /// blockSize × <paramref name="kvDim"/> elements, keys transposed, value rows <paramref name="hd"/> apart), every
    /// element widened to float as it is loaded: scores q·k × <paramref name="scale"/>, softmax,
    /// then the weighted sum of values into output[h]. <paramref name="scores"/> holds <see cref="Heads"/> rows of
    /// <paramref name="stride"/> ≥ length floats; <paramref name="zero"/> is <paramref name="hd"/> zeros and
    /// <paramref name="spare"/> hd floats of scratch, standing in for the heads past <paramref name="heads"/>.
    /// With <paramref name="wide"/> (which <see cref="IsWideSupported"/> must allow) the kernel runs 512 bits wide,
    /// else 256.
    /// </summary>
    public static void Attend(float* q, int heads, int hd, byte* keys, byte* values, KvCacheType type, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare, bool wide)
    {
        Debug.Assert(heads is >= 1 and <= Heads, "A pass takes 1 to 8 query heads.");
        Debug.Assert(!wide || IsWideSupported(hd, blockSize), "The 512-bit kernel needs AVX-512 and sizes in 16s.");
        if (wide)
            Attend<Lanes512, Vector512<float>>(q, heads, hd, keys, values, type, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
        else
            Attend<Lanes256, Vector256<float>>(q, heads, hd, keys, values, type, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
    }

    private static void Attend<TLanes, TVector>(float* q, int heads, int hd, byte* keys, byte* values, KvCacheType type, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare)
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        switch (heads > 4, type == KvCacheType.F16)
        {
            case (true, true):
                Attend<Eight, HalfElements, TLanes, TVector>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            case (true, false):
                Attend<Eight, FloatElements, TLanes, TVector>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            case (false, true):
                Attend<Four, HalfElements, TLanes, TVector>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            default:
                Attend<Four, FloatElements, TLanes, TVector>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
        }
    }

    /// <summary>
    /// <see cref="Attend"/> 4 or 8 heads wide, <typeparamref name="TLanes"/>' slots per key load. Each head's
    /// accumulator is its own local, so they stay in registers; heads past <paramref name="heads"/> read zeros and
    /// write to <paramref name="spare"/>. The next block's keys and values are asked for as the key loop goes, not
    /// in one burst: over a block's passes (blockSize / slots of hd steps each) the first half of the steps walks its
    /// keys and the second half its values, 2 × slots elements a step (with 256 bits a line a step for F32, one every
    /// other step for F16; with 512 bits two lines a step for F32, one for F16).
    /// </summary>
    private static void Attend<TWidth, TElements, TLanes, TVector>(float* q, int heads, int hd, byte* keys, byte* values, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare)
        where TWidth : struct, IWidth
        where TElements : struct, IElements
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        var e = TElements.Bytes;
        var slots = TLanes.Count;
        var width = TWidth.Wide ? 8 : 4;
        float* q0 = q, q1 = heads > 1 ? q + hd : zero, q2 = heads > 2 ? q + 2 * hd : zero, q3 = heads > 3 ? q + 3 * hd : zero;
        float* q4 = heads > 4 ? q + 4 * hd : zero, q5 = heads > 5 ? q + 5 * hd : zero, q6 = heads > 6 ? q + 6 * hd : zero, q7 = heads > 7 ? q + 7 * hd : zero;
        var scaled = TLanes.Broadcast(scale);
        var tail = stackalloc float[Heads * Lanes512.Count];
        // Steps of the key loop per block, and the step at which the requests move from the next block's keys to its values.
        int blockSteps = blockSize / slots * hd, half = blockSteps / 2;
        long keyStep = (long)blockSize * e, requestStep = 2L * slots * e;
        for (int t = 0, b = 0; t < length; b++)
        {
            var n = Math.Min(blockSize, length - t);
            var k = keys + ((long)blocks[b] * blockSize * kvDim + kvOffset) * e;
            var hasNext = t + n < length;
            long next = hasNext ? ((long)blocks[b + 1] * blockSize * kvDim + kvOffset) * e : 0;
            for (int s0 = 0, step = 0; s0 < n; s0 += slots, k += slots * e, step += hd)
            {
                // Key d of slots s0.. lies at k + d × blockSize: one load serves every head.
                TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                var kd = k;
                // Without a next block, the key about to be loaded: a line already asked for.
                byte* line = k;
                long lineStep = keyStep;
                var turn = hd; // the step at which the requests turn from keys to values
                if (hasNext)
                {
                    lineStep = requestStep;
                    line = step < half ? keys + next + step * requestStep : values + next + (step - half) * requestStep;
                    turn = step < half ? Math.Min(hd, half - step) : hd;
                }
                for (var d = 0; d < hd; d++, kd += keyStep, line += lineStep)
                {
                    if (d == turn)
                        line = values + next;
                    Sse.Prefetch0(line);
                    if (requestStep > 64 && hasNext)
                        Sse.Prefetch0(line + 64);
                    var kv = TElements.Load<TLanes, TVector>(kd);
                    a0 = TLanes.MultiplyAdd(q0[d], kv, a0);
                    a1 = TLanes.MultiplyAdd(q1[d], kv, a1);
                    a2 = TLanes.MultiplyAdd(q2[d], kv, a2);
                    a3 = TLanes.MultiplyAdd(q3[d], kv, a3);
                    if (TWidth.Wide)
                    {
                        a4 = TLanes.MultiplyAdd(q4[d], kv, a4);
                        a5 = TLanes.MultiplyAdd(q5[d], kv, a5);
                        a6 = TLanes.MultiplyAdd(q6[d], kv, a6);
                        a7 = TLanes.MultiplyAdd(q7[d], kv, a7);
                    }
                }
                var at = t + s0;
                var full = n - s0 >= slots;
                var dst = full ? scores + at : tail;
                long rowStride = full ? stride : slots;
                TLanes.Store(TLanes.Multiply(a0, scaled), dst);
                TLanes.Store(TLanes.Multiply(a1, scaled), dst + rowStride);
                TLanes.Store(TLanes.Multiply(a2, scaled), dst + 2 * rowStride);
                TLanes.Store(TLanes.Multiply(a3, scaled), dst + 3 * rowStride);
                if (TWidth.Wide)
                {
                    TLanes.Store(TLanes.Multiply(a4, scaled), dst + 4 * rowStride);
                    TLanes.Store(TLanes.Multiply(a5, scaled), dst + 5 * rowStride);
                    TLanes.Store(TLanes.Multiply(a6, scaled), dst + 6 * rowStride);
                    TLanes.Store(TLanes.Multiply(a7, scaled), dst + 7 * rowStride);
                }
                if (!full)
                {
                    // The last slots of a sequence: lanes past its length hold whatever the block's unused slots hold.
                    for (var h = 0; h < width; h++)
                        new ReadOnlySpan<float>(tail + h * slots, n - s0).CopyTo(new Span<float>(scores + h * stride + at, n - s0));
                }
            }
            t += n;
        }
        for (var h = 0; h < heads; h++)
            TLanes.Softmax(new Span<float>(scores + h * stride, length));

        float* p0 = scores, p1 = scores + stride, p2 = scores + 2 * stride, p3 = scores + 3 * stride;
        float* p4 = scores + 4 * stride, p5 = scores + 5 * stride, p6 = scores + 6 * stride, p7 = scores + 7 * stride;
        float* o0 = output, o1 = heads > 1 ? output + hd : spare, o2 = heads > 2 ? output + 2 * hd : spare, o3 = heads > 3 ? output + 3 * hd : spare;
        float* o4 = heads > 4 ? output + 4 * hd : spare, o5 = heads > 5 ? output + 5 * hd : spare, o6 = heads > 6 ? output + 6 * hd : spare, o7 = heads > 7 ? output + 7 * hd : spare;
        // Each slice of the output (a vector's width of its values) walks the head's value rows once for all heads.
        for (var j = 0; j < hd; j += slots)
        {
            TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int t = 0, b = 0; t < length; b++)
            {
                var n = Math.Min(blockSize, length - t);
                var v = values + ((long)blocks[b] * blockSize * kvDim + kvOffset + j) * e;
                for (var s = 0; s < n; s++, t++, v += hd * e)
                {
                    var vv = TElements.Load<TLanes, TVector>(v);
                    a0 = TLanes.MultiplyAdd(p0[t], vv, a0);
                    a1 = TLanes.MultiplyAdd(p1[t], vv, a1);
                    a2 = TLanes.MultiplyAdd(p2[t], vv, a2);
                    a3 = TLanes.MultiplyAdd(p3[t], vv, a3);
                    if (TWidth.Wide)
                    {
                        a4 = TLanes.MultiplyAdd(p4[t], vv, a4);
                        a5 = TLanes.MultiplyAdd(p5[t], vv, a5);
                        a6 = TLanes.MultiplyAdd(p6[t], vv, a6);
                        a7 = TLanes.MultiplyAdd(p7[t], vv, a7);
                    }
                }
            }
            TLanes.Store(a0, o0 + j);
            TLanes.Store(a1, o1 + j);
            TLanes.Store(a2, o2 + j);
            TLanes.Store(a3, o3 + j);
            if (TWidth.Wide)
            {
                TLanes.Store(a4, o4 + j);
                TLanes.Store(a5, o5 + j);
                TLanes.Store(a6, o6 + j);
                TLanes.Store(a7, o7 + j);
            }
        }
    }
}
