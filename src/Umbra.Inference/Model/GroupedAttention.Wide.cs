using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Model;

/// <summary>
/// The 512-bit form of the grouped kernel: the same two passes, keys then values, with 16 slots (or 16 value
/// columns) per vector instead of 8. Attention is multiply-adds and the broadcasts that feed them; a 512-bit
/// multiply-add does twice the work of a 256-bit one for the same issue slot and the same broadcast, and the
/// cores with two 512-bit units run two a cycle. Needs AVX-512 F, head sizes and cache blocks in multiples of 16.
/// </summary>
internal static unsafe partial class GroupedAttention
{
    /// <summary>Cache slots whose keys one 512-bit vector holds.</summary>
    private const int WideSlots = 16;

    /// <summary>
    /// Whether the 512-bit kernel runs here for these sizes: AVX-512 F where .NET accelerates 512-bit vectors (it
    /// does not on cores that slow down for them), a head size and a block size in multiples of 16.
    /// </summary>
    public static bool IsWideSupported(int headDim, int blockSize) =>
        IsSupported(headDim, blockSize) && Avx512F.IsSupported && Vector512.IsHardwareAccelerated && headDim % WideSlots == 0 && blockSize % WideSlots == 0;

    private static void AttendWide(float* q, int heads, int hd, byte* keys, byte* values, KvCacheType type, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare)
    {
        switch (heads > 4, type == KvCacheType.F16)
        {
            case (true, true):
                AttendWide<Eight, HalfElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            case (true, false):
                AttendWide<Eight, FloatElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            case (false, true):
                AttendWide<Four, HalfElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            default:
                AttendWide<Four, FloatElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
        }
    }

    /// <summary>
    /// <see cref="Attend{TWidth, TElements}"/> with 512-bit vectors. The next block's keys and values are asked for
    /// as the key loop goes: over a block's passes (blockSize / 16 of hd steps each) the first half of the steps walks
    /// its keys and the second half its values, 32 × element bytes a step (a line a step for F16, two for F32).
    /// </summary>
    private static void AttendWide<TWidth, TElements>(float* q, int heads, int hd, byte* keys, byte* values, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare)
        where TWidth : struct, IWidth
        where TElements : struct, IElements
    {
        var e = TElements.Bytes;
        var width = TWidth.Wide ? 8 : 4;
        float* q0 = q, q1 = heads > 1 ? q + hd : zero, q2 = heads > 2 ? q + 2 * hd : zero, q3 = heads > 3 ? q + 3 * hd : zero;
        float* q4 = heads > 4 ? q + 4 * hd : zero, q5 = heads > 5 ? q + 5 * hd : zero, q6 = heads > 6 ? q + 6 * hd : zero, q7 = heads > 7 ? q + 7 * hd : zero;
        var scaled = Vector512.Create(scale);
        var tail = stackalloc float[Heads * WideSlots];
        // Steps of the key loop per block, and the step at which the requests move from the next block's keys to its values.
        int blockSteps = blockSize / WideSlots * hd, half = blockSteps / 2;
        long keyStep = (long)blockSize * e, requestStep = 2 * WideSlots * e;
        for (int t = 0, b = 0; t < length; b++)
        {
            var n = Math.Min(blockSize, length - t);
            var k = keys + ((long)blocks[b] * blockSize * kvDim + kvOffset) * e;
            var hasNext = t + n < length;
            long next = hasNext ? ((long)blocks[b + 1] * blockSize * kvDim + kvOffset) * e : 0;
            for (int s0 = 0, step = 0; s0 < n; s0 += WideSlots, k += WideSlots * e, step += hd)
            {
                // Key d of slots s0..s0+15 lies at k + d × blockSize: one load serves every head.
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
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
                    if (e == sizeof(float) && hasNext)
                        Sse.Prefetch0(line + 64);
                    var kv = TElements.Load16(kd);
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(q0[d]), kv, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[d]), kv, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(q2[d]), kv, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(q3[d]), kv, a3);
                    if (TWidth.Wide)
                    {
                        a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(q4[d]), kv, a4);
                        a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(q5[d]), kv, a5);
                        a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(q6[d]), kv, a6);
                        a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(q7[d]), kv, a7);
                    }
                }
                var at = t + s0;
                var full = n - s0 >= WideSlots;
                var dst = full ? scores + at : tail;
                long rowStride = full ? stride : WideSlots;
                (a0 * scaled).Store(dst);
                (a1 * scaled).Store(dst + rowStride);
                (a2 * scaled).Store(dst + 2 * rowStride);
                (a3 * scaled).Store(dst + 3 * rowStride);
                if (TWidth.Wide)
                {
                    (a4 * scaled).Store(dst + 4 * rowStride);
                    (a5 * scaled).Store(dst + 5 * rowStride);
                    (a6 * scaled).Store(dst + 6 * rowStride);
                    (a7 * scaled).Store(dst + 7 * rowStride);
                }
                if (!full)
                {
                    // The last slots of a sequence: lanes past its length hold whatever the block's unused slots hold.
                    for (var h = 0; h < width; h++)
                        new ReadOnlySpan<float>(tail + h * WideSlots, n - s0).CopyTo(new Span<float>(scores + h * stride + at, n - s0));
                }
            }
            t += n;
        }
        for (var h = 0; h < heads; h++)
            Ops.SoftmaxWide(new Span<float>(scores + h * stride, length));

        float* p0 = scores, p1 = scores + stride, p2 = scores + 2 * stride, p3 = scores + 3 * stride;
        float* p4 = scores + 4 * stride, p5 = scores + 5 * stride, p6 = scores + 6 * stride, p7 = scores + 7 * stride;
        float* o0 = output, o1 = heads > 1 ? output + hd : spare, o2 = heads > 2 ? output + 2 * hd : spare, o3 = heads > 3 ? output + 3 * hd : spare;
        float* o4 = heads > 4 ? output + 4 * hd : spare, o5 = heads > 5 ? output + 5 * hd : spare, o6 = heads > 6 ? output + 6 * hd : spare, o7 = heads > 7 ? output + 7 * hd : spare;
        for (var j = 0; j < hd; j += WideSlots)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int t = 0, b = 0; t < length; b++)
            {
                var n = Math.Min(blockSize, length - t);
                var v = values + ((long)blocks[b] * blockSize * kvDim + kvOffset + j) * e;
                for (var s = 0; s < n; s++, t++, v += hd * e)
                {
                    var vv = TElements.Load16(v);
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(p0[t]), vv, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(p1[t]), vv, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(p2[t]), vv, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(p3[t]), vv, a3);
                    if (TWidth.Wide)
                    {
                        a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(p4[t]), vv, a4);
                        a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(p5[t]), vv, a5);
                        a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(p6[t]), vv, a6);
                        a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(p7[t]), vv, a7);
                    }
                }
            }
            a0.Store(o0 + j);
            a1.Store(o1 + j);
            a2.Store(o2 + j);
            a3.Store(o3 + j);
            if (TWidth.Wide)
            {
                a4.Store(o4 + j);
                a5.Store(o5 + j);
                a6.Store(o6 + j);
                a7.Store(o7 + j);
            }
        }
    }
}
