using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q6_K rows × Q8_K activations. Σ scale (q − 32) x = Σ scale q x − 32 Σ scale Σ x, with q in 0..63 unsigned
/// and Σ x per 16-value sub-block from the activation's sums, so the x86 paths multiply unsigned by signed bytes
/// (vpmaddubsw) and weight each 16-bit pair by its sub-block scale in the same step as the widening add.
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
                        var xh = xs + b * Qk + 128 * h;
                        for (var k = 0; k < 4; k++)
                        {
                            for (var half = 0; half < 2; half++)
                            {
                                var dot = 0;
                                for (var l = 16 * half; l < 16 * half + 16; l++)
                                {
                                    var lowBits = (ql[l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
                                    var q = lowBits | (((qh[l] >> (2 * k)) & 3) << 4);
                                    dot += q * xh[32 * k + l];
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
        var m2 = Vector256.Create((byte)0x30);
        // pshufb patterns that spread scale 2k over the low 128-bit lane and 2k+1 over the high one
        // (each lane of the source holds the half's eight scales as shorts).
        var s0 = Vector256.Create((short)0x0100, 0x0100, 0x0100, 0x0100, 0x0100, 0x0100, 0x0100, 0x0100,
                                  0x0302, 0x0302, 0x0302, 0x0302, 0x0302, 0x0302, 0x0302, 0x0302).AsByte();
        var step = Vector256.Create((byte)4);
        Vector256<float> acc = default;
        for (var b = 0; b < n / Qk; b++)
        {
            var blk = row + b * Bytes;
            var xb = xs + b * Qk;
            var sumi = Vector256<int>.Zero;
            for (var h = 0; h < 2; h++)
            {
                var ql = blk + 64 * h;
                var a = Vector256.Load(ql);
                var c = Vector256.Load(ql + 32);
                var hb = Vector256.Load(blk + Q6KFormat.QhOffset + 32 * h).AsUInt16();
                var sc8 = Sse41.ConvertToVector128Int16((sbyte*)(blk + Q6KFormat.ScalesOffset + 8 * h));
                var sc = Vector256.Create(sc8, sc8).AsByte();
                var xh = xb + 128 * h;
                var q1 = (a & m4) | ((hb << 4).AsByte() & m2);
                var q2 = (c & m4) | ((hb << 2).AsByte() & m2);
                var q3 = ((a.AsUInt16() >>> 4).AsByte() & m4) | (hb.AsByte() & m2);
                var q4 = ((c.AsUInt16() >>> 4).AsByte() & m4) | ((hb >>> 2).AsByte() & m2);
                var pick = s0;
                sumi = T.DotPairs(sumi, Avx2.MultiplyAddAdjacent(q1, Vector256.Load(xh)), Avx2.Shuffle(sc, pick).AsInt16());
                pick += step;
                sumi = T.DotPairs(sumi, Avx2.MultiplyAddAdjacent(q2, Vector256.Load(xh + 32)), Avx2.Shuffle(sc, pick).AsInt16());
                pick += step;
                sumi = T.DotPairs(sumi, Avx2.MultiplyAddAdjacent(q3, Vector256.Load(xh + 64)), Avx2.Shuffle(sc, pick).AsInt16());
                pick += step;
                sumi = T.DotPairs(sumi, Avx2.MultiplyAddAdjacent(q4, Vector256.Load(xh + 96)), Avx2.Shuffle(sc, pick).AsInt16());
            }
            // The −32 offset: 32 Σ_s scale_s Σ x over the 16 sub-blocks.
            var scales16 = Avx2.ConvertToVector256Int16((sbyte*)(blk + Q6KFormat.ScalesOffset));
            var offset = Avx2.MultiplyAddAdjacent(Vector256.Load(bsums + 16 * b), scales16);
            sumi -= offset << 5;
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sumi), Vector256.Create(xd[b] * Fp16.Read(blk + Q6KFormat.DOffset)), acc);
        }
        return Vector256.Sum(acc);
    }
}
