using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_K rows × Q8_K activations, as ggml computes them: per super-block,
/// d_x (d Σ_s scale_s Σ q x − dmin Σ_s min_s Σ x), where the Σ x of each 32-value sub-block comes from the
/// activation's precomputed sums. The x86 paths are the shared K-quant tile loop (<see cref="KTiles"/>).
/// </summary>
internal static unsafe class Q4KIntDot
{
    private const int Qk = Q4KFormat.BlockSize;
    private const int Bytes = Q4KFormat.BlockBytes;

    /// <summary>
    /// The eight 6-bit scales (low 8 bytes) and mins (high 8 bytes) of a block, unpacked from its 12 scale bytes
    /// with ggml's word arithmetic (the same result as <see cref="Q4KFormat.ScaleMin"/> for each sub-block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (ulong Scales, ulong Mins) Unpack(byte* scales)
    {
        uint u0 = Unsafe.ReadUnaligned<uint>(scales), u1 = Unsafe.ReadUnaligned<uint>(scales + 4), u2 = Unsafe.ReadUnaligned<uint>(scales + 8);
        var scLo = u0 & 0x3f3f3f3f;
        var scHi = (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4);
        var mnLo = u1 & 0x3f3f3f3f;
        var mnHi = ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4);
        return (scLo | ((ulong)scHi << 32), mnLo | ((ulong)mnHi << 32));
    }

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
                    var (scales, mins) = Unpack(blk + Q4KFormat.ScalesOffset);
                    var qs = blk + Q4KFormat.QsOffset;
                    int sumi = 0, summ = 0;
                    for (var s = 0; s < 8; s++)
                    {
                        int sc = (byte)(scales >> (8 * s)), m = (byte)(mins >> (8 * s));
                        var shift = 4 * (s & 1);
                        var q = qs + 32 * (s / 2);
                        var dot = 0;
                        for (var l = 0; l < 32; l++)
                            dot += ((q[l] >> shift) & 0xF) * xs[Q8KOffset(b, 32 * s + l)];
                        sumi += sc * dot;
                        summ += m * (bsums[16 * b + 2 * s] + bsums[16 * b + 2 * s + 1]);
                    }
                    sum += xd[b] * (Fp16.Read(blk) * sumi - Fp16.Read(blk + 2) * summ);
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
    /// Q4_K super-blocks for <see cref="KTiles"/>. The four 32-byte chunks (chunk g: sub-block 2g in the low nibbles,
    /// 2g + 1 in the high ones) are transposed once per tile so register k holds values 4k..4k+3 of sub-blocks
    /// 0, 2, 4, 6, 1, 3, 5, 7 in its lanes, as the Q8_K values are stored. Per vector: 8 integer dots, then
    /// d_x (d sc × Σ q x) − dmin m × (d_x Σ x), the last factor precomputed with the activations.
    /// </summary>
    private readonly struct Blocks<T> : IKWeightBlocks
        where T : struct, IIntDot
    {
        public static int BlockBytes => Bytes;

        public static int AuxBytes => 8 * sizeof(float);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int AuxOffset(int n) => Q8KSubSumsOffset(n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Load(byte* block, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7,
            out Vector256<float> f0, out Vector256<float> f1)
        {
            var qs = block + Q4KFormat.QsOffset;
            KernelHelpers.Transpose4(Vector256.Load((int*)qs), Vector256.Load((int*)(qs + 32)), Vector256.Load((int*)(qs + 64)), Vector256.Load((int*)(qs + 96)),
                out var c0, out var c1, out var c2, out var c3);
            // c_k: lane g of the low half is bytes 4k..4k+3 of chunk g, of the high half bytes 4k+16..4k+19.
            Halves(c0, out w0, out w4);
            Halves(c1, out w1, out w5);
            Halves(c2, out w2, out w6);
            Halves(c3, out w3, out w7);
            var (scales, mins) = Unpack(block + Q4KFormat.ScalesOffset);
            // Scales (low 8 bytes) and mins (high 8) in lane order σ.
            var sm = Ssse3.Shuffle(Vector128.Create(scales, mins).AsByte(), Vector128.Create((byte)0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15));
            f0 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(sm)) * Vector256.Create(Fp16.Read(block));
            f1 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(sm, 8))) * Vector256.Create(Fp16.Read(block + 2));
        }

        /// <summary>Low nibbles of the low half then high nibbles of the low half (sub-blocks 0, 2, 4, 6 then 1, 3, 5, 7), and likewise the high half.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Halves(Vector256<int> c, out Vector256<sbyte> first, out Vector256<sbyte> second)
        {
            var (lo, hi) = KernelHelpers.Nibbles(c.AsByte());
            first = Avx2.Permute2x128(lo, hi, 0x20);
            second = Avx2.Permute2x128(lo, hi, 0x31);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Accumulate(Vector256<float> acc, byte* x, long scaleRel, long auxRel,
            Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3,
            Vector256<sbyte> w4, Vector256<sbyte> w5, Vector256<sbyte> w6, Vector256<sbyte> w7,
            Vector256<float> f0, Vector256<float> f1)
        {
            var xs = (sbyte*)x;
            Vector256<int> sum;
            if (!T.FullByteRange)
            {
                // vpmaddubsw: the nibbles' pair sums added as shorts, widened once (the same ints).
                sum = KernelHelpers.NibbleDots8(w0, w1, w2, w3, w4, w5, w6, w7, xs);
            }
            else
            {
                var p = T.Dot(default, w0.AsByte(), Vector256.Load(xs));
                var q = T.Dot(default, w1.AsByte(), Vector256.Load(xs + 32));
                p = T.Dot(p, w2.AsByte(), Vector256.Load(xs + 64));
                q = T.Dot(q, w3.AsByte(), Vector256.Load(xs + 96));
                p = T.Dot(p, w4.AsByte(), Vector256.Load(xs + 128));
                q = T.Dot(q, w5.AsByte(), Vector256.Load(xs + 160));
                p = T.Dot(p, w6.AsByte(), Vector256.Load(xs + 192));
                q = T.Dot(q, w7.AsByte(), Vector256.Load(xs + 224));
                sum = p + q;
            }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum) * f0, Vector256.Create(*(float*)(x + scaleRel)), acc);
            return Fma.MultiplyAddNegated(f1, Vector256.Load((float*)(x + auxRel)), acc);
        }

        /// <summary>Two rows through one tile lost more than they saved on Zen 4 (8 and 16 vectors 4–6 % slower, 128 no faster).</summary>
        public static bool PairRows => false;

        /// <summary>Unused while <see cref="PairRows"/> is false: each row's <see cref="Accumulate"/> in turn.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AccumulatePaired(ref Vector256<float> accA, ref Vector256<float> accB, byte* x, long scaleRel, long auxRel,
            Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3,
            Vector256<sbyte> a4, Vector256<sbyte> a5, Vector256<sbyte> a6, Vector256<sbyte> a7, Vector256<float> fa0, Vector256<float> fa1,
            Vector256<sbyte> b0, Vector256<sbyte> b1, Vector256<sbyte> b2, Vector256<sbyte> b3,
            Vector256<sbyte> b4, Vector256<sbyte> b5, Vector256<sbyte> b6, Vector256<sbyte> b7, Vector256<float> fb0, Vector256<float> fb1)
        {
            accA = Accumulate(accA, x, scaleRel, auxRel, a0, a1, a2, a3, a4, a5, a6, a7, fa0, fa1);
            accB = Accumulate(accB, x, scaleRel, auxRel, b0, b1, b2, b3, b4, b5, b6, b7, fb0, fb1);
        }
    }
}
