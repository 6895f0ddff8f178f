using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// Attention for up to <see cref="Heads"/> query heads that share one key-value head (grouped-query attention):
/// each cached key and value is loaded once for all of them. The keys are stored transposed in each cache block
/// (<see cref="KvCache"/>), so one vector holds key value d of 8 consecutive positions: the scores of 8 positions
/// for every head come from hd broadcast multiply-adds per head, with no horizontal sums. Up to 4 heads go through
/// a 4-wide kernel, 5 to 8 through an 8-wide one (one generic body): with 8 query heads per key-value head
/// (TinyLlama, Llama 2 70B) one pass reads the cached keys and values once instead of twice, and that reading is
/// what attention costs once several sequences decode (their caches do not stay in L2). Needs AVX2 + FMA and a head size that is a multiple of 8; <see cref="IsSupported"/>
/// says when the forward pass can use it, else it attends head by head (<see cref="Ops.Attend"/>).
/// </summary>
internal static unsafe partial class GroupedAttention
{
    /// <summary>Most query heads taken together.</summary>
    public const int Heads = 8;

    /// <summary>Cache slots whose keys one vector holds (the keys are stored transposed, see <see cref="KvCache"/>).</summary>
    private const int Slots = 8;

    public static bool IsSupported(int headDim, int blockSize) => Avx2.IsSupported && Fma.IsSupported && headDim % 8 == 0 && blockSize % Slots == 0;

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
    /// </summary>
    /// <remarks>
    /// With <paramref name="wide"/> (which <see cref="IsWideSupported"/> must allow), the 512-bit kernel runs
    /// (<see cref="AttendWide{TWidth, TElements}"/>), else the 256-bit one.
    /// </remarks>
    public static void Attend(float* q, int heads, int hd, byte* keys, byte* values, KvCacheType type, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare, bool wide)
    {
        Debug.Assert(heads is >= 1 and <= Heads, "A pass takes 1 to 8 query heads.");
        Debug.Assert(!wide || IsWideSupported(hd, blockSize), "The 512-bit kernel needs AVX-512 and sizes in 16s.");
        if (wide)
        {
            AttendWide(q, heads, hd, keys, values, type, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
            return;
        }
        switch (heads > 4, type == KvCacheType.F16)
        {
            case (true, true):
                Attend<Eight, HalfElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            case (true, false):
                Attend<Eight, FloatElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            case (false, true):
                Attend<Four, HalfElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
            default:
                Attend<Four, FloatElements>(q, heads, hd, keys, values, blocks, blockSize, length, kvDim, kvOffset, scale, scores, stride, output, zero, spare);
                break;
        }
    }

    /// <summary>How the cache stores its elements: the JIT compiles <see cref="Attend{TWidth, TElements}"/> once per kind.</summary>
    private interface IElements
    {
        static abstract int Bytes { get; }

        /// <summary>8 consecutive elements at <paramref name="p"/> as floats.</summary>
        static abstract Vector256<float> Load8(byte* p);

        /// <summary>16 consecutive elements at <paramref name="p"/> as floats (AVX-512 F).</summary>
        static abstract Vector512<float> Load16(byte* p);
    }

    private readonly struct FloatElements : IElements
    {
        public static int Bytes => sizeof(float);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load8(byte* p) => Vector256.Load((float*)p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(byte* p) => Vector512.Load((float*)p);
    }

    /// <summary>binary16, widened as it is loaded (<see cref="Fp16.ToSingleFinite8"/>: four instructions per 8 values).</summary>
    private readonly struct HalfElements : IElements
    {
        public static int Bytes => sizeof(ushort);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load8(byte* p) => Fp16.ToSingleFinite8(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(byte* p) => Fp16.ToSingleFinite16(p);
    }

    /// <summary>How many heads a kernel takes: the JIT compiles <see cref="Attend{TWidth}"/> once per width, dropping the upper four for 4.</summary>
    private interface IWidth
    {
        static abstract bool Wide { get; }
    }

    private readonly struct Four : IWidth
    {
        public static bool Wide => false;
    }

    private readonly struct Eight : IWidth
    {
        public static bool Wide => true;
    }

    /// <summary>
    /// <see cref="Attend"/> 4 or 8 heads wide. Each head's accumulator is its own local, so they stay in registers;
    /// heads past <paramref name="heads"/> read zeros and write to <paramref name="spare"/>.
    /// </summary>
    private static void Attend<TWidth, TElements>(float* q, int heads, int hd, byte* keys, byte* values, ReadOnlySpan<int> blocks, int blockSize,
        int length, int kvDim, int kvOffset, float scale, float* scores, int stride, float* output, float* zero, float* spare)
        where TWidth : struct, IWidth
        where TElements : struct, IElements
    {
        var e = TElements.Bytes;
        var width = TWidth.Wide ? 8 : 4;
        float* q0 = q, q1 = heads > 1 ? q + hd : zero, q2 = heads > 2 ? q + 2 * hd : zero, q3 = heads > 3 ? q + 3 * hd : zero;
        float* q4 = heads > 4 ? q + 4 * hd : zero, q5 = heads > 5 ? q + 5 * hd : zero, q6 = heads > 6 ? q + 6 * hd : zero, q7 = heads > 7 ? q + 7 * hd : zero;
        var scaled = Vector256.Create(scale);
        var tail = stackalloc float[Heads * Slots];
        for (int t = 0, b = 0; t < length; b++)
        {
            var n = Math.Min(blockSize, length - t);
            var k = keys + ((long)blocks[b] * blockSize * kvDim + kvOffset) * e;
            // The next block's keys and values are asked for a line per step of the key loop below, not in one burst:
            // with blocks of a multiple of 16 slots, the passes over the first half of the slots walk the next block's
            // keys (blockSize × hd × e / 64 lines, hd steps per pass: a line a step for F32, one every other step for
            // F16), those over the second half its values.
            var hasNext = t + n < length;
            var stepwise = blockSize % (2 * Slots) == 0;
            long next = hasNext ? ((long)blocks[b + 1] * blockSize * kvDim + kvOffset) * e : 0;
            if (hasNext && !stepwise)
                PrefetchBlock(keys + next, values + next, blockSize * hd * e);
            for (var s0 = 0; s0 < n; s0 += Slots, k += Slots * e)
            {
                // Key d of slots s0..s0+7 lies at k + d × blockSize: one load serves every head.
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                var kd = k;
                // Without a next block (or stepwise requests), the key about to be loaded: a line already asked for.
                var line = k;
                long lineStep = blockSize * e, keyStep = blockSize * e;
                if (hasNext && stepwise)
                {
                    lineStep = 16 * e;
                    line = s0 < blockSize / 2
                        ? keys + next + (long)(s0 / Slots) * hd * lineStep
                        : values + next + (long)((s0 - blockSize / 2) / Slots) * hd * lineStep;
                }
                for (var d = 0; d < hd; d++, kd += keyStep, line += lineStep)
                {
                    Sse.Prefetch0(line);
                    var kv = TElements.Load8(kd);
                    a0 = Fma.MultiplyAdd(Vector256.Create(q0[d]), kv, a0);
                    a1 = Fma.MultiplyAdd(Vector256.Create(q1[d]), kv, a1);
                    a2 = Fma.MultiplyAdd(Vector256.Create(q2[d]), kv, a2);
                    a3 = Fma.MultiplyAdd(Vector256.Create(q3[d]), kv, a3);
                    if (TWidth.Wide)
                    {
                        a4 = Fma.MultiplyAdd(Vector256.Create(q4[d]), kv, a4);
                        a5 = Fma.MultiplyAdd(Vector256.Create(q5[d]), kv, a5);
                        a6 = Fma.MultiplyAdd(Vector256.Create(q6[d]), kv, a6);
                        a7 = Fma.MultiplyAdd(Vector256.Create(q7[d]), kv, a7);
                    }
                }
                var at = t + s0;
                var full = n - s0 >= Slots;
                var dst = full ? scores + at : tail;
                long rowStride = full ? stride : Slots;
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
                        new ReadOnlySpan<float>(tail + h * Slots, n - s0).CopyTo(new Span<float>(scores + h * stride + at, n - s0));
                }
            }
            t += n;
        }
        for (var h = 0; h < heads; h++)
            Ops.Softmax(new Span<float>(scores + h * stride, length));

        float* p0 = scores, p1 = scores + stride, p2 = scores + 2 * stride, p3 = scores + 3 * stride;
        float* p4 = scores + 4 * stride, p5 = scores + 5 * stride, p6 = scores + 6 * stride, p7 = scores + 7 * stride;
        float* o0 = output, o1 = heads > 1 ? output + hd : spare, o2 = heads > 2 ? output + 2 * hd : spare, o3 = heads > 3 ? output + 3 * hd : spare;
        float* o4 = heads > 4 ? output + 4 * hd : spare, o5 = heads > 5 ? output + 5 * hd : spare, o6 = heads > 6 ? output + 6 * hd : spare, o7 = heads > 7 ? output + 7 * hd : spare;
        for (var j = 0; j < hd; j += 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int t = 0, b = 0; t < length; b++)
            {
                var n = Math.Min(blockSize, length - t);
                var v = values + ((long)blocks[b] * blockSize * kvDim + kvOffset + j) * e;
                for (var s = 0; s < n; s++, t++, v += hd * e)
                {
                    var vv = TElements.Load8(v);
                    a0 = Fma.MultiplyAdd(Vector256.Create(p0[t]), vv, a0);
                    a1 = Fma.MultiplyAdd(Vector256.Create(p1[t]), vv, a1);
                    a2 = Fma.MultiplyAdd(Vector256.Create(p2[t]), vv, a2);
                    a3 = Fma.MultiplyAdd(Vector256.Create(p3[t]), vv, a3);
                    if (TWidth.Wide)
                    {
                        a4 = Fma.MultiplyAdd(Vector256.Create(p4[t]), vv, a4);
                        a5 = Fma.MultiplyAdd(Vector256.Create(p5[t]), vv, a5);
                        a6 = Fma.MultiplyAdd(Vector256.Create(p6[t]), vv, a6);
                        a7 = Fma.MultiplyAdd(Vector256.Create(p7[t]), vv, a7);
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

    /// <summary>The next block's keys and values of this head (<paramref name="bytes"/> each) in one burst, for block sizes the stepwise requests do not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchBlock(byte* k, byte* v, int bytes)
    {
        for (var i = 0; i < bytes; i += 64)
        {
            Sse.Prefetch0(k + i);
            Sse.Prefetch0(v + i);
        }
    }
}
