using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_K row · float vector. Per sub-block s, sum(w x) = d scale[s] sum(q x) - dmin min[s] sum(x), so the kernels
/// gather sum(q x) and sum(x) per sub-block and apply the two scales once each. One zero-extending load of 8
/// (or 16) packed bytes feeds both sub-blocks of a pair: low nibbles for sub-block 2g, high nibbles for 2g+1.
/// </summary>
internal static unsafe class Q4KDot
{
    private const int Qk = Q4KFormat.BlockSize;
    private const int Bytes = Q4KFormat.BlockBytes;

    public static float Scalar(byte* row, float* x, int n)
    {
        var sum = 0f;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var scales = new ReadOnlySpan<byte>(row + Q4KFormat.ScalesOffset, 12);
            var qs = row + Q4KFormat.QsOffset;
            float d = Fp16.Read(row), dmin = Fp16.Read(row + 2);
            float scaled = 0, mins = 0;
            for (var g = 0; g < 4; g++)
            {
                float qx0 = 0, qx1 = 0, x0 = 0, x1 = 0;
                var xg = x + 64 * g;
                for (var l = 0; l < 32; l++)
                {
                    var q = qs[32 * g + l];
                    qx0 += (q & 0xF) * xg[l];
                    qx1 += (q >> 4) * xg[32 + l];
                    x0 += xg[l];
                    x1 += xg[32 + l];
                }
                var (sc0, m0) = Q4KFormat.ScaleMin(scales, 2 * g);
                var (sc1, m1) = Q4KFormat.ScaleMin(scales, 2 * g + 1);
                scaled += sc0 * qx0 + sc1 * qx1;
                mins += m0 * x0 + m1 * x1;
            }
            sum += d * scaled - dmin * mins;
        }
        return sum;
    }

    public static float Avx2Path(byte* row, float* x, int n)
    {
        var mask = Vector256.Create(0xF);
        Vector256<float> acc = default, accMin = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var scales = new ReadOnlySpan<byte>(row + Q4KFormat.ScalesOffset, 12);
            var qs = row + Q4KFormat.QsOffset;
            float d = Fp16.Read(row), dmin = Fp16.Read(row + 2);
            for (var g = 0; g < 4; g++)
            {
                Vector256<float> qx0 = default, qx1 = default, x0 = default, x1 = default;
                var xg = x + 64 * g;
                for (var c = 0; c < 32; c += 8)
                {
                    var v = Avx2.ConvertToVector256Int32(qs + 32 * g + c);
                    var xa = Vector256.Load(xg + c);
                    var xb = Vector256.Load(xg + 32 + c);
                    qx0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(v & mask), xa, qx0);
                    qx1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(v >>> 4), xb, qx1);
                    x0 += xa;
                    x1 += xb;
                }
                var (sc0, m0) = Q4KFormat.ScaleMin(scales, 2 * g);
                var (sc1, m1) = Q4KFormat.ScaleMin(scales, 2 * g + 1);
                acc = Fma.MultiplyAdd(qx0, Vector256.Create(d * sc0), acc);
                acc = Fma.MultiplyAdd(qx1, Vector256.Create(d * sc1), acc);
                accMin = Fma.MultiplyAdd(x0, Vector256.Create(dmin * m0), accMin);
                accMin = Fma.MultiplyAdd(x1, Vector256.Create(dmin * m1), accMin);
            }
        }
        return Vector256.Sum(acc - accMin);
    }

    public static float Avx512Path(byte* row, float* x, int n)
    {
        var mask = Vector512.Create(0xF);
        Vector512<float> acc = default, accMin = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var scales = new ReadOnlySpan<byte>(row + Q4KFormat.ScalesOffset, 12);
            var qs = row + Q4KFormat.QsOffset;
            float d = Fp16.Read(row), dmin = Fp16.Read(row + 2);
            for (var g = 0; g < 4; g++)
            {
                var xg = x + 64 * g;
                var v0 = Avx512F.ConvertToVector512Int32(Vector128.Load(qs + 32 * g));
                var v1 = Avx512F.ConvertToVector512Int32(Vector128.Load(qs + 32 * g + 16));
                Vector512<float> xa0 = Vector512.Load(xg), xa1 = Vector512.Load(xg + 16);
                Vector512<float> xb0 = Vector512.Load(xg + 32), xb1 = Vector512.Load(xg + 48);
                var qx0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(v1 & mask), xa1,
                    Avx512F.ConvertToVector512Single(v0 & mask) * xa0);
                var qx1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(v1 >>> 4), xb1,
                    Avx512F.ConvertToVector512Single(v0 >>> 4) * xb0);
                var (sc0, m0) = Q4KFormat.ScaleMin(scales, 2 * g);
                var (sc1, m1) = Q4KFormat.ScaleMin(scales, 2 * g + 1);
                acc = Avx512F.FusedMultiplyAdd(qx0, Vector512.Create(d * sc0), acc);
                acc = Avx512F.FusedMultiplyAdd(qx1, Vector512.Create(d * sc1), acc);
                accMin = Avx512F.FusedMultiplyAdd(xa0 + xa1, Vector512.Create(dmin * m0), accMin);
                accMin = Avx512F.FusedMultiplyAdd(xb0 + xb1, Vector512.Create(dmin * m1), accMin);
            }
        }
        return Vector512.Sum(acc - accMin);
    }
}
