using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_0 rows × Q8 activations. Σ (q − 8) x = Σ q x − 8 Σ x: the x86 paths multiply the unsigned nibbles
/// (0..15) straight into an accumulator that starts at the activation's precomputed −8 Σ x lanes, so the
/// offset costs one load, not an instruction per vector; the portable and scalar paths subtract 8 Σ x per block.
/// </summary>
internal static unsafe class Q4_0IntDot
{
    private const int Qk = Q4_0Format.BlockSize;
    private const int Bytes = Q4_0Format.BlockBytes;

    public static void Scalar(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8Scales(x, n);
                var xsum = Q8Sums(x, n);
                var sum = 0f;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = row + b * Bytes + 2;
                    var s = 0;
                    for (var j = 0; j < Qk / 2; j++)
                        s += (q[j] & 0xF) * xs[b * Qk + j] + (q[j] >> 4) * xs[b * Qk + j + Qk / 2];
                    sum += Fp16.Read(row + b * Bytes) * xd[b] * (s - 8 * xsum[b]);
                }
                y[v * yStride + r] = sum;
            }
        }
    }

    public static void Portable(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        var mask = Vector128.Create((byte)0xF);
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8Scales(x, n);
                var xsum = Q8Sums(x, n);
                var acc = Vector128<float>.Zero;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = Vector128.Load(row + b * Bytes + 2);
                    var p = PortableDot.Bytes16((q & mask).AsSByte(), Vector128.Load(xs + b * Qk))
                          + PortableDot.Bytes16((q >>> 4).AsSByte(), Vector128.Load(xs + b * Qk + 16))
                          - Vector128.CreateScalar(8 * xsum[b]);
                    acc += Vector128.ConvertToSingle(p) * Vector128.Create(Fp16.Read(row + b * Bytes) * xd[b]);
                }
                y[v * yStride + r] = Vector128.Sum(acc);
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
        var scales = stackalloc float[4 * 8];
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            var v = 0;
            for (; v + 4 <= count; v += 4)
                Dot4<T>(row, xq + v * xStride, xStride, n, y + v * yStride + r, yStride, scales);
            for (; v < count; v++)
                y[v * yStride + r] = Dot1<T>(row, xq + v * xStride, n, scales);
        }
    }

    /// <summary>The 32 nibbles of a block as unsigned bytes in value order (low nibbles are values 0..15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Unpack(byte* qs)
    {
        var q = Vector128.Load(qs);
        var m = Vector128.Create((byte)0xF);
        return Vector256.Create(q & m, (q.AsUInt16() >>> 4).AsByte() & m);
    }

    private static float Dot1<T>(byte* row, byte* x, int n, float* sc) where T : struct, IIntDot
    {
        var nb = n / Qk;
        var xs = (sbyte*)x;
        var xd = Q8Scales(x, n);
        var bias = Q8Bias(x, n);
        var offsets = KernelHelpers.Offsets8(Bytes);
        // One accumulator, blocks in order: exactly the arithmetic Dot4 does for each of its vectors, so a vector's
        // product does not depend on whether it was batched (greedy decoding gives the same tokens alone or batched).
        Vector256<float> acc0 = default;
        var b = 0;
        for (; b + 8 <= nb; b += 8)
        {
            (KernelHelpers.Scales8(row + b * Bytes, offsets) * Vector256.Load(xd + b)).Store(sc);
            for (var k = 0; k < 8; k += 2)
            {
                var blk = row + (b + k) * Bytes;
                var p0 = T.Dot(Vector256.Load(bias + 8 * (b + k)), Unpack(blk + 2), Vector256.Load(xs + (b + k) * Qk));
                var p1 = T.Dot(Vector256.Load(bias + 8 * (b + k + 1)), Unpack(blk + Bytes + 2), Vector256.Load(xs + (b + k + 1) * Qk));
                acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(sc[k]), acc0);
                acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(sc[k + 1]), acc0);
            }
        }
        for (; b < nb; b++)
        {
            var blk = row + b * Bytes;
            var p0 = T.Dot(Vector256.Load(bias + 8 * b), Unpack(blk + 2), Vector256.Load(xs + b * Qk));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(Fp16.Read(blk) * xd[b]), acc0);
        }
        return Vector256.Sum(acc0);
    }

    /// <summary>One weight row against four vectors: each block's nibbles are unpacked once.</summary>
    private static void Dot4<T>(byte* row, byte* x, long xStride, int n, float* y, long yStride, float* sc) where T : struct, IIntDot
    {
        var nb = n / Qk;
        sbyte* x0 = (sbyte*)x, x1 = (sbyte*)(x + xStride), x2 = (sbyte*)(x + 2 * xStride), x3 = (sbyte*)(x + 3 * xStride);
        float* d0 = Q8Scales(x, n), d1 = Q8Scales(x + xStride, n), d2 = Q8Scales(x + 2 * xStride, n), d3 = Q8Scales(x + 3 * xStride, n);
        int* c0 = Q8Bias(x, n), c1 = Q8Bias(x + xStride, n), c2 = Q8Bias(x + 2 * xStride, n), c3 = Q8Bias(x + 3 * xStride, n);
        var offsets = KernelHelpers.Offsets8(Bytes);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var b = 0;
        for (; b + 8 <= nb; b += 8)
        {
            var dw = KernelHelpers.Scales8(row + b * Bytes, offsets);
            (dw * Vector256.Load(d0 + b)).Store(sc);
            (dw * Vector256.Load(d1 + b)).Store(sc + 8);
            (dw * Vector256.Load(d2 + b)).Store(sc + 16);
            (dw * Vector256.Load(d3 + b)).Store(sc + 24);
            for (var k = 0; k < 8; k++)
            {
                var u = Unpack(row + (b + k) * Bytes + 2);
                var o = (b + k) * Qk;
                var c = 8 * (b + k);
                a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c0 + c), u, Vector256.Load(x0 + o))), Vector256.Create(sc[k]), a0);
                a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c1 + c), u, Vector256.Load(x1 + o))), Vector256.Create(sc[8 + k]), a1);
                a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c2 + c), u, Vector256.Load(x2 + o))), Vector256.Create(sc[16 + k]), a2);
                a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c3 + c), u, Vector256.Load(x3 + o))), Vector256.Create(sc[24 + k]), a3);
            }
        }
        for (; b < nb; b++)
        {
            var blk = row + b * Bytes;
            var dw = Fp16.Read(blk);
            var u = Unpack(blk + 2);
            var o = b * Qk;
            var c = 8 * b;
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c0 + c), u, Vector256.Load(x0 + o))), Vector256.Create(dw * d0[b]), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c1 + c), u, Vector256.Load(x1 + o))), Vector256.Create(dw * d1[b]), a1);
            a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c2 + c), u, Vector256.Load(x2 + o))), Vector256.Create(dw * d2[b]), a2);
            a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(Vector256.Load(c3 + c), u, Vector256.Load(x3 + o))), Vector256.Create(dw * d3[b]), a3);
        }
        y[0] = Vector256.Sum(a0);
        y[yStride] = Vector256.Sum(a1);
        y[2 * yStride] = Vector256.Sum(a2);
        y[3 * yStride] = Vector256.Sum(a3);
    }
}
