using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q8_0 row · float vector. Each block's 32 products are summed unscaled, then scaled once by the block's d,
/// which saves a multiply per element and matches how the format factors.
/// </summary>
internal static unsafe class Q8_0Dot
{
    private const int Qk = Q8_0Format.BlockSize;
    private const int Bytes = Q8_0Format.BlockBytes;

    public static float Scalar(byte* row, float* x, int n)
    {
        var sum = 0f;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var q = (sbyte*)(row + 2);
            float s0 = 0, s1 = 0;
            for (var j = 0; j < Qk; j += 2)
            {
                s0 += q[j] * x[j];
                s1 += q[j + 1] * x[j + 1];
            }
            sum += Fp16.Read(row) * (s0 + s1);
        }
        return sum;
    }

    public static float Avx2Path(byte* row, float* x, int n)
    {
        Vector256<float> acc0 = default, acc1 = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            // vpmovsxbd from memory: 8 signed bytes to 8 ints per load.
            var q = (sbyte*)(row + 2);
            var s0 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q)) * Vector256.Load(x);
            var s1 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q + 8)) * Vector256.Load(x + 8);
            s0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q + 16)), Vector256.Load(x + 16), s0);
            s1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q + 24)), Vector256.Load(x + 24), s1);
            // Alternate accumulators between blocks so consecutive blocks do not wait on each other.
            if ((b & 1) == 0)
                acc0 = Fma.MultiplyAdd(s0 + s1, Vector256.Create(Fp16.Read(row)), acc0);
            else
                acc1 = Fma.MultiplyAdd(s0 + s1, Vector256.Create(Fp16.Read(row)), acc1);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    public static float Avx512Path(byte* row, float* x, int n)
    {
        Vector512<float> acc0 = default, acc1 = default;
        for (var b = 0; b < n / Qk; b++, row += Bytes, x += Qk)
        {
            var q = (sbyte*)(row + 2);
            var s = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q))) * Vector512.Load(x);
            s = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16))), Vector512.Load(x + 16), s);
            if ((b & 1) == 0)
                acc0 = Avx512F.FusedMultiplyAdd(s, Vector512.Create(Fp16.Read(row)), acc0);
            else
                acc1 = Avx512F.FusedMultiplyAdd(s, Vector512.Create(Fp16.Read(row)), acc1);
        }
        return Vector512.Sum(acc0 + acc1);
    }
}
