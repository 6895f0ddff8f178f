using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q6_K row · float vector. The vector paths zero-extend 8 (or 16) bytes each of ql, ql+32 and qh into 32-bit
/// lanes, which yields the same lanes of all four 32-value quarters of a half block with masks and shifts
/// (see <see cref="Q6KFormat"/>); each 16-value sub-block's sum(q x) is then scaled by d * scale once.
/// </summary>
internal static unsafe class Q6KDot
{
    private const int Qk = Q6KFormat.BlockSize;
    private const int Bytes = Q6KFormat.BlockBytes;

    public static float Scalar(byte* row, float* x, int n)
    {
        var sum = 0f;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var d = Fp16.Read(row + Q6KFormat.DOffset);
            var scaled = 0f;
            for (var h = 0; h < 2; h++)
            {
                var ql = row + 64 * h;
                var qh = row + Q6KFormat.QhOffset + 32 * h;
                var sc = (sbyte*)(row + Q6KFormat.ScalesOffset + 8 * h);
                var xh = x + 128 * h;
                for (var s = 0; s < 2; s++)
                {
                    float p1 = 0, p2 = 0, p3 = 0, p4 = 0;
                    for (var l = 16 * s; l < 16 * s + 16; l++)
                    {
                        p1 += (((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32) * xh[l];
                        p2 += (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * xh[l + 32];
                        p3 += (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * xh[l + 64];
                        p4 += (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * xh[l + 96];
                    }
                    scaled += sc[s] * p1 + sc[s + 2] * p2 + sc[s + 4] * p3 + sc[s + 6] * p4;
                }
            }
            sum += d * scaled;
        }
        return sum;
    }

    public static float Avx2Path(byte* row, float* x, int n)
    {
        var low4 = Vector256.Create(0xF);
        var bits45 = Vector256.Create(0x30);
        var bias = Vector256.Create(32);
        Vector256<float> acc0 = default, acc1 = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var d = Fp16.Read(row + Q6KFormat.DOffset);
            for (var h = 0; h < 2; h++)
            {
                var ql = row + 64 * h;
                var qh = row + Q6KFormat.QhOffset + 32 * h;
                var sc = (sbyte*)(row + Q6KFormat.ScalesOffset + 8 * h);
                var xh = x + 128 * h;
                for (var s = 0; s < 2; s++)
                {
                    Vector256<float> p1 = default, p2 = default, p3 = default, p4 = default;
                    for (var l = 16 * s; l < 16 * s + 16; l += 8)
                    {
                        var a = Avx2.ConvertToVector256Int32(ql + l);
                        var c = Avx2.ConvertToVector256Int32(ql + l + 32);
                        var hi = Avx2.ConvertToVector256Int32(qh + l);
                        var q1 = ((a & low4) | ((hi << 4) & bits45)) - bias;
                        var q2 = ((c & low4) | ((hi << 2) & bits45)) - bias;
                        var q3 = ((a >>> 4) | (hi & bits45)) - bias;
                        var q4 = ((c >>> 4) | ((hi >>> 2) & bits45)) - bias;
                        p1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q1), Vector256.Load(xh + l), p1);
                        p2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q2), Vector256.Load(xh + l + 32), p2);
                        p3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q3), Vector256.Load(xh + l + 64), p3);
                        p4 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q4), Vector256.Load(xh + l + 96), p4);
                    }
                    acc0 = Fma.MultiplyAdd(p1, Vector256.Create(d * sc[s]), acc0);
                    acc1 = Fma.MultiplyAdd(p2, Vector256.Create(d * sc[s + 2]), acc1);
                    acc0 = Fma.MultiplyAdd(p3, Vector256.Create(d * sc[s + 4]), acc0);
                    acc1 = Fma.MultiplyAdd(p4, Vector256.Create(d * sc[s + 6]), acc1);
                }
            }
        }
        return Vector256.Sum(acc0 + acc1);
    }

    public static float Avx512Path(byte* row, float* x, int n)
    {
        var low4 = Vector512.Create(0xF);
        var bits45 = Vector512.Create(0x30);
        var bias = Vector512.Create(32);
        Vector512<float> acc0 = default, acc1 = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var d = Fp16.Read(row + Q6KFormat.DOffset);
            for (var h = 0; h < 2; h++)
            {
                var ql = row + 64 * h;
                var qh = row + Q6KFormat.QhOffset + 32 * h;
                var sc = (sbyte*)(row + Q6KFormat.ScalesOffset + 8 * h);
                var xh = x + 128 * h;
                for (var s = 0; s < 2; s++)
                {
                    // One 16-lane vector is exactly one sub-block of each quarter.
                    var l = 16 * s;
                    var a = Avx512F.ConvertToVector512Int32(Vector128.Load(ql + l));
                    var c = Avx512F.ConvertToVector512Int32(Vector128.Load(ql + l + 32));
                    var hi = Avx512F.ConvertToVector512Int32(Vector128.Load(qh + l));
                    var q1 = ((a & low4) | ((hi << 4) & bits45)) - bias;
                    var q2 = ((c & low4) | ((hi << 2) & bits45)) - bias;
                    var q3 = ((a >>> 4) | (hi & bits45)) - bias;
                    var q4 = ((c >>> 4) | ((hi >>> 2) & bits45)) - bias;
                    var p1 = Avx512F.ConvertToVector512Single(q1) * Vector512.Load(xh + l);
                    var p2 = Avx512F.ConvertToVector512Single(q2) * Vector512.Load(xh + l + 32);
                    var p3 = Avx512F.ConvertToVector512Single(q3) * Vector512.Load(xh + l + 64);
                    var p4 = Avx512F.ConvertToVector512Single(q4) * Vector512.Load(xh + l + 96);
                    acc0 = Avx512F.FusedMultiplyAdd(p1, Vector512.Create(d * sc[s]), acc0);
                    acc1 = Avx512F.FusedMultiplyAdd(p2, Vector512.Create(d * sc[s + 2]), acc1);
                    acc0 = Avx512F.FusedMultiplyAdd(p3, Vector512.Create(d * sc[s + 4]), acc0);
                    acc1 = Avx512F.FusedMultiplyAdd(p4, Vector512.Create(d * sc[s + 6]), acc1);
                }
            }
        }
        return Vector512.Sum(acc0 + acc1);
    }
}
