using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q6_K rows × Q8_K activations. Σ scale (q − 32) x = Σ scale q x − 32 Σ scale Σ x, with q in 0..63 unsigned
/// and Σ x per 16-value sub-block from the activation's sums, so the x86 paths multiply unsigned by signed bytes;
/// they are the shared K-quant tile loop (<see cref="KTiles"/>).
/// </summary>
internal static unsafe class Q6KIntDot
{
    private const int Qk = Q6KFormat.BlockSize;
    private const int Bytes = Q6KFormat.BlockBytes;

    public static void Scalar(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8KScales(x, n);
                var bsums = Q8KSums(x, n);
                var sum = 0f;
                for (var b = 0; b < n / Qk; b++)
                {
                    var blk = row + b * Bytes;
                    var sumi = 0;
                    for (var h = 0; h < 2; h++)
                    {
                        var ql = blk + 64 * h;
                        var qh = blk + Q6KFormat.QhOffset + 32 * h;
                        var sc = (sbyte*)(blk + Q6KFormat.ScalesOffset + 8 * h);
                        for (var k = 0; k < 4; k++)
                        {
                            for (var half = 0; half < 2; half++)
                            {
                                var dot = 0;
                                for (var l = 16 * half; l < 16 * half + 16; l++)
                                {
                                    var lowBits = (ql[l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
                                    var q = lowBits | (((qh[l] >> (2 * k)) & 3) << 4);
                                    dot += q * xs[Q8KOffset(b, 128 * h + 32 * k + l)];
                                }
                                var s = 8 * h + 2 * k + half;
                                sumi += sc[2 * k + half] * (dot - 32 * bsums[16 * b + s]);
                            }
                        }
                    }
                    sum += xd[b] * Fp16.Read(blk + Q6KFormat.DOffset) * sumi;
                }
                y[v * yStride + r] = sum;
            }
        }
    }

    public static void Avx2Path(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        KTiles.Run<Blocks<Avx2IntDot>>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    public static void VnniPath(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        KTiles.Run<Blocks<VnniIntDot>>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    /// <summary>
    /// Q6_K super-blocks for <see cref="KTiles"/>. The 6-bit values of each 32-value sub-block are assembled (low 4
    /// bits from ql, high 2 from qh) and the 8 sub-blocks transposed once per tile so register k holds values
    /// 4k..4k+3 of sub-blocks 0, 2, 4, 6, 1, 3, 5, 7 in its lanes. Per vector: registers 0..3 cover the first 16 values
    /// of each sub-block, 4..7 the last 16, so two accumulators, started at the activation's −32 Σ x of those
    /// 16 values, hold Σ (q − 32) x per 16-value sub-block in each lane, to be weighted by its scale.
    /// </summary>
    private readonly struct Blocks<T> : IKWeightBlocks
        where T : struct, IIntDot
    {
        public static int BlockBytes => Bytes;

        public static int AuxBytes => 16 * sizeof(int);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int AuxOffset(int n) => Q8KStartsOffset(n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Load(byte* block, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7,
            out Vector256<float> f0, out Vector256<float> f1)
        {
            var m4 = Vector256.Create((byte)0xF);
            var m2 = Vector256.Create((byte)0x30);
            // Sub-blocks 0..3 from the first half of the super-block, 4..7 from the second.
            var a = Vector256.Load(block);
            var c = Vector256.Load(block + 32);
            var hb = Vector256.Load(block + Q6KFormat.QhOffset).AsUInt16();
            var s0 = (a & m4) | ((hb << 4).AsByte() & m2);
            var s1 = (c & m4) | ((hb << 2).AsByte() & m2);
            var s2 = ((a.AsUInt16() >>> 4).AsByte() & m4) | (hb.AsByte() & m2);
            var s3 = ((c.AsUInt16() >>> 4).AsByte() & m4) | ((hb >>> 2).AsByte() & m2);
            a = Vector256.Load(block + 64);
            c = Vector256.Load(block + 96);
            hb = Vector256.Load(block + Q6KFormat.QhOffset + 32).AsUInt16();
            var s4 = (a & m4) | ((hb << 4).AsByte() & m2);
            var s5 = (c & m4) | ((hb << 2).AsByte() & m2);
            var s6 = ((a.AsUInt16() >>> 4).AsByte() & m4) | (hb.AsByte() & m2);
            var s7 = ((c.AsUInt16() >>> 4).AsByte() & m4) | ((hb >>> 2).AsByte() & m2);
            // An 8 × 8 transpose of 4-byte words, sub-blocks taken in lane order σ.
            KernelHelpers.Transpose4(s0.AsInt32(), s2.AsInt32(), s4.AsInt32(), s6.AsInt32(), out var e0, out var e1, out var e2, out var e3);
            KernelHelpers.Transpose4(s1.AsInt32(), s3.AsInt32(), s5.AsInt32(), s7.AsInt32(), out var o0, out var o1, out var o2, out var o3);
            w0 = Avx2.Permute2x128(e0, o0, 0x20).AsSByte();
            w1 = Avx2.Permute2x128(e1, o1, 0x20).AsSByte();
            w2 = Avx2.Permute2x128(e2, o2, 0x20).AsSByte();
            w3 = Avx2.Permute2x128(e3, o3, 0x20).AsSByte();
            w4 = Avx2.Permute2x128(e0, o0, 0x31).AsSByte();
            w5 = Avx2.Permute2x128(e1, o1, 0x31).AsSByte();
            w6 = Avx2.Permute2x128(e2, o2, 0x31).AsSByte();
            w7 = Avx2.Permute2x128(e3, o3, 0x31).AsSByte();
            // d × scale of 16-value sub-block 2σ(l) (registers 0..3) and 2σ(l) + 1 (registers 4..7).
            var sc = Ssse3.Shuffle(Vector128.Load(block + Q6KFormat.ScalesOffset), Vector128.Create((byte)0, 4, 8, 12, 2, 6, 10, 14, 1, 5, 9, 13, 3, 7, 11, 15)).AsSByte();
            var d = Vector256.Create(Fp16.Read(block + Q6KFormat.DOffset));
            f0 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(sc)) * d;
            f1 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(sc, 8))) * d;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Accumulate(Vector256<float> acc, byte* x, long scaleRel, long auxRel,
            Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3,
            Vector256<sbyte> w4, Vector256<sbyte> w5, Vector256<sbyte> w6, Vector256<sbyte> w7,
            Vector256<float> f0, Vector256<float> f1)
        {
            var xs = (sbyte*)x;
            var starts = (int*)(x + auxRel);
            Vector256<int> p, q;
            if (!T.FullByteRange)
            {
                // vpmaddubsw: two pair sums of 6-bit values (2 × 2 × 63 × 128 = 32,256) still fit a short, so pairs of
                // registers are added before widening: 6 multiplies per half instead of 8, the same ints.
                p = Vector256.Load(starts) + KernelHelpers.WidenPairs(KernelHelpers.Pairs(w0, Vector256.Load(xs)) + KernelHelpers.Pairs(w1, Vector256.Load(xs + 32)))
                    + KernelHelpers.WidenPairs(KernelHelpers.Pairs(w2, Vector256.Load(xs + 64)) + KernelHelpers.Pairs(w3, Vector256.Load(xs + 96)));
                q = Vector256.Load(starts + 8) + KernelHelpers.WidenPairs(KernelHelpers.Pairs(w4, Vector256.Load(xs + 128)) + KernelHelpers.Pairs(w5, Vector256.Load(xs + 160)))
                    + KernelHelpers.WidenPairs(KernelHelpers.Pairs(w6, Vector256.Load(xs + 192)) + KernelHelpers.Pairs(w7, Vector256.Load(xs + 224)));
            }
            else
            {
                p = T.Dot(Vector256.Load(starts), w0.AsByte(), Vector256.Load(xs));
                q = T.Dot(Vector256.Load(starts + 8), w4.AsByte(), Vector256.Load(xs + 128));
                p = T.Dot(p, w1.AsByte(), Vector256.Load(xs + 32));
                q = T.Dot(q, w5.AsByte(), Vector256.Load(xs + 160));
                p = T.Dot(p, w2.AsByte(), Vector256.Load(xs + 64));
                q = T.Dot(q, w6.AsByte(), Vector256.Load(xs + 192));
                p = T.Dot(p, w3.AsByte(), Vector256.Load(xs + 96));
                q = T.Dot(q, w7.AsByte(), Vector256.Load(xs + 224));
            }
            return Finish(acc, p, q, x, scaleRel, f0, f1);
        }

        /// <summary>The float part of <see cref="Accumulate"/>: each half's sums weighted by their sub-blocks' d × scale, then by d_x.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Finish(Vector256<float> acc, Vector256<int> p, Vector256<int> q, byte* x, long scaleRel, Vector256<float> f0, Vector256<float> f1)
        {
            var sum = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q), f1, Avx.ConvertToVector256Single(p) * f0);
            return Fma.MultiplyAdd(sum, Vector256.Create(*(float*)(x + scaleRel)), acc);
        }

        /// <summary>Two rows through one tile: on Zen 4, 64 and 128 vectors 2–5 % and 16 about 3 % faster than unpaired, 8 the same.</summary>
        public static bool PairRows => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AccumulatePaired(ref Vector256<float> accA, ref Vector256<float> accB, byte* x, long scaleRel, long auxRel,
            Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3,
            Vector256<sbyte> a4, Vector256<sbyte> a5, Vector256<sbyte> a6, Vector256<sbyte> a7, Vector256<float> fa0, Vector256<float> fa1,
            Vector256<sbyte> b0, Vector256<sbyte> b1, Vector256<sbyte> b2, Vector256<sbyte> b3,
            Vector256<sbyte> b4, Vector256<sbyte> b5, Vector256<sbyte> b6, Vector256<sbyte> b7, Vector256<float> fb0, Vector256<float> fb1)
        {
            var xs = (sbyte*)x;
            var starts = (int*)(x + auxRel);
            HalfPaired(Vector256.Load(starts), xs, a0, a1, a2, a3, b0, b1, b2, b3, out var pa, out var pb);
            HalfPaired(Vector256.Load(starts + 8), xs + 128, a4, a5, a6, a7, b4, b5, b6, b7, out var qa, out var qb);
            accA = Finish(accA, pa, qa, x, scaleRel, fa0, fa1);
            accB = Finish(accB, pb, qb, x, scaleRel, fb0, fb1);
        }

        /// <summary>
        /// Both rows' sums over one half of every sub-block (registers a0..a3 and b0..b3 against the 128 values from
        /// <paramref name="xs"/>), each from <paramref name="start"/>: the same ints as <see cref="Accumulate"/>'s p or q
        /// (exact in any order), each activation load used by both rows.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void HalfPaired(Vector256<int> start, sbyte* xs,
            Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3,
            Vector256<sbyte> b0, Vector256<sbyte> b1, Vector256<sbyte> b2, Vector256<sbyte> b3,
            out Vector256<int> pa, out Vector256<int> pb)
        {
            var x0 = Vector256.Load(xs);
            var x1 = Vector256.Load(xs + 32);
            if (!T.FullByteRange)
            {
                var ua = KernelHelpers.WidenPairs(KernelHelpers.Pairs(a0, x0) + KernelHelpers.Pairs(a1, x1));
                var ub = KernelHelpers.WidenPairs(KernelHelpers.Pairs(b0, x0) + KernelHelpers.Pairs(b1, x1));
                x0 = Vector256.Load(xs + 64);
                x1 = Vector256.Load(xs + 96);
                pa = start + ua + KernelHelpers.WidenPairs(KernelHelpers.Pairs(a2, x0) + KernelHelpers.Pairs(a3, x1));
                pb = start + ub + KernelHelpers.WidenPairs(KernelHelpers.Pairs(b2, x0) + KernelHelpers.Pairs(b3, x1));
                return;
            }
            pa = T.Dot(T.Dot(start, a0.AsByte(), x0), a1.AsByte(), x1);
            pb = T.Dot(T.Dot(start, b0.AsByte(), x0), b1.AsByte(), x1);
            x0 = Vector256.Load(xs + 64);
            x1 = Vector256.Load(xs + 96);
            pa = T.Dot(T.Dot(pa, a2.AsByte(), x0), a3.AsByte(), x1);
            pb = T.Dot(T.Dot(pb, b2.AsByte(), x0), b3.AsByte(), x1);
        }
    }
}
