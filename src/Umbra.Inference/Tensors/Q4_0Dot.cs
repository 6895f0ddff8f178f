using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_0 row · float vector. The vector paths zero-extend packed bytes straight into 32-bit lanes, where the low
/// nibble (values 0..15 of the block) and the high nibble (values 16..31) come out with one mask and one shift.
/// </summary>
internal static unsafe class Q4_0Dot
{
    private const int Qk = Q4_0Format.BlockSize;
    private const int Bytes = Q4_0Format.BlockBytes;

    public static float Scalar(byte* row, float* x, int n)
    {
        var sum = 0f;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var q = row + 2;
            float s0 = 0, s1 = 0;
            for (var j = 0; j < Qk / 2; j++)
            {
                s0 += ((q[j] & 0xF) - 8) * x[j];
                s1 += ((q[j] >> 4) - 8) * x[j + Qk / 2];
            }
            sum += Fp16.Read(row) * (s0 + s1);
        }
        return sum;
    }

    public static float Avx2Path(byte* row, float* x, int n)
    {
        var mask = Vector256.Create(0xF);
        var eight = Vector256.Create(8);
        Vector256<float> acc0 = default, acc1 = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var v0 = Avx2.ConvertToVector256Int32(row + 2);   // bytes 0-7
            var v1 = Avx2.ConvertToVector256Int32(row + 10);  // bytes 8-15
            var s0 = Avx.ConvertToVector256Single((v0 & mask) - eight) * Vector256.Load(x);
            var s1 = Avx.ConvertToVector256Single((v1 & mask) - eight) * Vector256.Load(x + 8);
            s0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single((v0 >>> 4) - eight), Vector256.Load(x + 16), s0);
            s1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single((v1 >>> 4) - eight), Vector256.Load(x + 24), s1);
            if ((b & 1) == 0)
                acc0 = Fma.MultiplyAdd(s0 + s1, Vector256.Create(Fp16.Read(row)), acc0);
            else
                acc1 = Fma.MultiplyAdd(s0 + s1, Vector256.Create(Fp16.Read(row)), acc1);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    public static float Avx512Path(byte* row, float* x, int n)
    {
        var mask = Vector512.Create(0xF);
        var eight = Vector512.Create(8);
        Vector512<float> acc0 = default, acc1 = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var v = Avx512F.ConvertToVector512Int32(Vector128.Load(row + 2)); // all 16 bytes
            var s = Avx512F.ConvertToVector512Single((v & mask) - eight) * Vector512.Load(x);
            s = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single((v >>> 4) - eight), Vector512.Load(x + 16), s);
            if ((b & 1) == 0)
                acc0 = Avx512F.FusedMultiplyAdd(s, Vector512.Create(Fp16.Read(row)), acc0);
            else
                acc1 = Avx512F.FusedMultiplyAdd(s, Vector512.Create(Fp16.Read(row)), acc1);
        }
        return Vector512.Sum(acc0 + acc1);
    }
}
