using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_K rows × Q8_K activations, as ggml computes them: per super-block,
/// d_x (d Σ_s scale_s Σ q x − dmin Σ_s min_s Σ x), where the Σ x of each 32-value sub-block comes from the
/// activation's precomputed 16-value sums. The x86 paths take the products of nibbles and bytes in 16-bit
/// pairs and weight them by the sub-block scale in the same step (vpmaddwd, or vpdpwssd with AVX-VNNI).
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
                    var xb = xs + b * Qk;
                    int sumi = 0, summ = 0;
                    for (var s = 0; s < 8; s++)
                    {
                        int sc = (byte)(scales >> (8 * s)), m = (byte)(mins >> (8 * s));
                        var shift = 4 * (s & 1);
                        var q = qs + 32 * (s / 2);
                        var dot = 0;
                        for (var l = 0; l < 32; l++)
                            dot += ((q[l] >> shift) & 0xF) * xb[32 * s + l];
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
        X86<Avx2IntDot>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    public static void VnniPath(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        X86<VnniIntDot>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    private static void X86<T>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where T : struct, IIntDot
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
                y[v * yStride + r] = Dot1<T>(row, xq + v * xStride, n);
        }
    }

    private static float Dot1<T>(byte* row, byte* x, int n) where T : struct, IIntDot
    {
        var xs = (sbyte*)x;
        var xd = Q8KScales(x, n);
        var bsums = Q8KSums(x, n);
        var m4 = Vector256.Create((byte)0xF);
        Vector256<float> acc = default, accMin = default;
        for (var b = 0; b < n / Qk; b++)
        {
            var blk = row + b * Bytes;
            var (scales, mins) = Unpack(blk + Q4KFormat.ScalesOffset);
            var qs = blk + Q4KFormat.QsOffset;
            var xb = xs + b * Qk;
            var sumi = Vector256<int>.Zero;
            for (var g = 0; g < 4; g++)
            {
                var q = Vector256.Load(qs + 32 * g);
                var lo = q & m4;
                var hi = (q.AsUInt16() >>> 4).AsByte() & m4;
                var pl = Avx2.MultiplyAddAdjacent(lo, Vector256.Load(xb + 64 * g));
                var ph = Avx2.MultiplyAddAdjacent(hi, Vector256.Load(xb + 64 * g + 32));
                sumi = T.DotPairs(sumi, pl, Vector256.Create((short)(byte)(scales >> (16 * g))));
                sumi = T.DotPairs(sumi, ph, Vector256.Create((short)(byte)(scales >> (16 * g + 8))));
            }
            // Each min weighs the two 16-value sums of its sub-block: mins as shorts m0 m0 m1 m1 ... m7 m7.
            var mv = Vector128.CreateScalar(mins).AsByte();
            var m16 = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(mv, mv));
            var mi = Avx2.MultiplyAddAdjacent(Vector256.Load(bsums + 16 * b), m16);
            var dx = xd[b];
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sumi), Vector256.Create(dx * Fp16.Read(blk)), acc);
            accMin = Fma.MultiplyAdd(Avx.ConvertToVector256Single(mi), Vector256.Create(dx * Fp16.Read(blk + 2)), accMin);
        }
        return Vector256.Sum(acc - accMin);
    }
}
