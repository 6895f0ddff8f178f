using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Dot kernels for the element-wise formats. Any n is accepted. The vector paths keep four independent
/// accumulators so the FMA latency does not serialize the loop; leftovers finish in scalar code.
/// </summary>
internal static unsafe class FloatDot
{
    public static float F32Scalar(byte* row, float* x, int n)
    {
        var w = (float*)row;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var i = 0;
        for (; i <= n - 4; i += 4)
        {
            s0 += w[i] * x[i];
            s1 += w[i + 1] * x[i + 1];
            s2 += w[i + 2] * x[i + 2];
            s3 += w[i + 3] * x[i + 3];
        }
        for (; i < n; i++)
            s0 += w[i] * x[i];
        return (s0 + s1) + (s2 + s3);
    }

    public static float F16Scalar(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        float s0 = 0, s1 = 0;
        var i = 0;
        for (; i <= n - 2; i += 2)
        {
            s0 += Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(w + i)) * x[i];
            s1 += Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(w + i + 1)) * x[i + 1];
        }
        if (i < n)
            s0 += Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(w + i)) * x[i];
        return s0 + s1;
    }

    public static float BF16Scalar(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        float s0 = 0, s1 = 0;
        var i = 0;
        for (; i <= n - 2; i += 2)
        {
            s0 += Bf16.ToSingle(Unsafe.ReadUnaligned<ushort>(w + i)) * x[i];
            s1 += Bf16.ToSingle(Unsafe.ReadUnaligned<ushort>(w + i + 1)) * x[i + 1];
        }
        if (i < n)
            s0 += Bf16.ToSingle(Unsafe.ReadUnaligned<ushort>(w + i)) * x[i];
        return s0 + s1;
    }

    public static float F32Avx2(byte* row, float* x, int n)
    {
        var w = (float*)row;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 32; i += 32)
        {
            a0 = Fma.MultiplyAdd(Vector256.Load(w + i), Vector256.Load(x + i), a0);
            a1 = Fma.MultiplyAdd(Vector256.Load(w + i + 8), Vector256.Load(x + i + 8), a1);
            a2 = Fma.MultiplyAdd(Vector256.Load(w + i + 16), Vector256.Load(x + i + 16), a2);
            a3 = Fma.MultiplyAdd(Vector256.Load(w + i + 24), Vector256.Load(x + i + 24), a3);
        }
        for (; i <= n - 8; i += 8)
            a0 = Fma.MultiplyAdd(Vector256.Load(w + i), Vector256.Load(x + i), a0);
        var s = Vector256.Sum((a0 + a1) + (a2 + a3));
        return s + F32Scalar((byte*)(w + i), x + i, n - i);
    }

    public static float F16Avx2(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 32; i += 32)
        {
            a0 = Fma.MultiplyAdd(LoadF16(w + i), Vector256.Load(x + i), a0);
            a1 = Fma.MultiplyAdd(LoadF16(w + i + 8), Vector256.Load(x + i + 8), a1);
            a2 = Fma.MultiplyAdd(LoadF16(w + i + 16), Vector256.Load(x + i + 16), a2);
            a3 = Fma.MultiplyAdd(LoadF16(w + i + 24), Vector256.Load(x + i + 24), a3);
        }
        for (; i <= n - 8; i += 8)
            a0 = Fma.MultiplyAdd(LoadF16(w + i), Vector256.Load(x + i), a0);
        var s = Vector256.Sum((a0 + a1) + (a2 + a3));
        return s + F16Scalar((byte*)(w + i), x + i, n - i);
    }

    public static float BF16Avx2(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 32; i += 32)
        {
            a0 = Fma.MultiplyAdd(LoadBF16(w + i), Vector256.Load(x + i), a0);
            a1 = Fma.MultiplyAdd(LoadBF16(w + i + 8), Vector256.Load(x + i + 8), a1);
            a2 = Fma.MultiplyAdd(LoadBF16(w + i + 16), Vector256.Load(x + i + 16), a2);
            a3 = Fma.MultiplyAdd(LoadBF16(w + i + 24), Vector256.Load(x + i + 24), a3);
        }
        for (; i <= n - 8; i += 8)
            a0 = Fma.MultiplyAdd(LoadBF16(w + i), Vector256.Load(x + i), a0);
        var s = Vector256.Sum((a0 + a1) + (a2 + a3));
        return s + BF16Scalar((byte*)(w + i), x + i, n - i);
    }

    public static float F32Avx512(byte* row, float* x, int n)
    {
        var w = (float*)row;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 64; i += 64)
        {
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i + 16), Vector512.Load(x + i + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i + 32), Vector512.Load(x + i + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i + 48), Vector512.Load(x + i + 48), a3);
        }
        for (; i <= n - 16; i += 16)
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), a0);
        var s = Vector512.Sum((a0 + a1) + (a2 + a3));
        return s + F32Avx2((byte*)(w + i), x + i, n - i);
    }

    public static float F16Avx512(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 64; i += 64)
        {
            a0 = Avx512F.FusedMultiplyAdd(LoadF16x16(w + i), Vector512.Load(x + i), a0);
            a1 = Avx512F.FusedMultiplyAdd(LoadF16x16(w + i + 16), Vector512.Load(x + i + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(LoadF16x16(w + i + 32), Vector512.Load(x + i + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(LoadF16x16(w + i + 48), Vector512.Load(x + i + 48), a3);
        }
        for (; i <= n - 16; i += 16)
            a0 = Avx512F.FusedMultiplyAdd(LoadF16x16(w + i), Vector512.Load(x + i), a0);
        var s = Vector512.Sum((a0 + a1) + (a2 + a3));
        return s + F16Avx2((byte*)(w + i), x + i, n - i);
    }

    public static float BF16Avx512(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 64; i += 64)
        {
            a0 = Avx512F.FusedMultiplyAdd(LoadBF16x16(w + i), Vector512.Load(x + i), a0);
            a1 = Avx512F.FusedMultiplyAdd(LoadBF16x16(w + i + 16), Vector512.Load(x + i + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(LoadBF16x16(w + i + 32), Vector512.Load(x + i + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(LoadBF16x16(w + i + 48), Vector512.Load(x + i + 48), a3);
        }
        for (; i <= n - 16; i += 16)
            a0 = Avx512F.FusedMultiplyAdd(LoadBF16x16(w + i), Vector512.Load(x + i), a0);
        var s = Vector512.Sum((a0 + a1) + (a2 + a3));
        return s + BF16Avx2((byte*)(w + i), x + i, n - i);
    }

    public static float F32Portable(byte* row, float* x, int n)
    {
        var w = (float*)row;
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i <= n - 16; i += 16)
        {
            a0 = Vector128.FusedMultiplyAdd(Vector128.Load(w + i), Vector128.Load(x + i), a0);
            a1 = Vector128.FusedMultiplyAdd(Vector128.Load(w + i + 4), Vector128.Load(x + i + 4), a1);
            a2 = Vector128.FusedMultiplyAdd(Vector128.Load(w + i + 8), Vector128.Load(x + i + 8), a2);
            a3 = Vector128.FusedMultiplyAdd(Vector128.Load(w + i + 12), Vector128.Load(x + i + 12), a3);
        }
        var s = Vector128.Sum((a0 + a1) + (a2 + a3));
        return s + F32Scalar((byte*)(w + i), x + i, n - i);
    }

    public static float F16Portable(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        Vector128<float> a0 = default, a1 = default;
        var i = 0;
        for (; i <= n - 8; i += 8)
        {
            var (lo, hi) = Vector128.Widen(Vector128.Load(w + i));
            a0 = Vector128.FusedMultiplyAdd(Fp16.ToSingle(lo), Vector128.Load(x + i), a0);
            a1 = Vector128.FusedMultiplyAdd(Fp16.ToSingle(hi), Vector128.Load(x + i + 4), a1);
        }
        return Vector128.Sum(a0 + a1) + F16Scalar((byte*)(w + i), x + i, n - i);
    }

    public static float BF16Portable(byte* row, float* x, int n)
    {
        var w = (ushort*)row;
        Vector128<float> a0 = default, a1 = default;
        var i = 0;
        for (; i <= n - 8; i += 8)
        {
            var (lo, hi) = Vector128.Widen(Vector128.Load(w + i));
            a0 = Vector128.FusedMultiplyAdd((lo << 16).AsSingle(), Vector128.Load(x + i), a0);
            a1 = Vector128.FusedMultiplyAdd((hi << 16).AsSingle(), Vector128.Load(x + i + 4), a1);
        }
        return Vector128.Sum(a0 + a1) + BF16Scalar((byte*)(w + i), x + i, n - i);
    }

    // Zero-extending loads (vpmovzxwd) put one 16-bit pattern in each 32-bit lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadF16(ushort* p) => Fp16.ToSingle(Avx2.ConvertToVector256Int32(p).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadBF16(ushort* p) => (Avx2.ConvertToVector256Int32(p).AsUInt32() << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadF16x16(ushort* p) => Fp16.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadBF16x16(ushort* p) => (Avx512F.ConvertToVector512UInt32(Vector256.Load(p)) << 16).AsSingle();
}
