using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q8_0 rows × Q8 activations: per block, Σ w x in integers, then scaled once by d_w × d_x. The x86 paths take
/// |w| and x with w's sign so a byte-by-byte dot (unsigned × signed) applies; the binary16 scales of eight
/// blocks are converted at once. Batched products walk one weight row against four vectors per pass.
/// </summary>
internal static unsafe class Q8_0IntDot
{
    private const int Qk = Q8_0Format.BlockSize;
    private const int Bytes = Q8_0Format.BlockBytes;

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
                var sum = 0f;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = (sbyte*)(row + b * Bytes + 2);
                    var s = 0;
                    for (var j = 0; j < Qk; j++)
                        s += q[j] * xs[b * Qk + j];
                    sum += Fp16.Read(row + b * Bytes) * xd[b] * s;
                }
                y[v * yStride + r] = sum;
            }
        }
    }

    public static void Portable(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8Scales(x, n);
                var acc = Vector128<float>.Zero;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = (sbyte*)(row + b * Bytes + 2);
                    var p = PortableDot.Bytes16(Vector128.Load(q), Vector128.Load(xs + b * Qk))
                          + PortableDot.Bytes16(Vector128.Load(q + 16), Vector128.Load(xs + b * Qk + 16));
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

    private static float Dot1<T>(byte* row, byte* x, int n, float* sc) where T : struct, IIntDot
    {
        var nb = n / Qk;
        var xs = (sbyte*)x;
        var xd = Q8Scales(x, n);
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
                var w0 = Vector256.Load((sbyte*)(blk + 2));
                var w1 = Vector256.Load((sbyte*)(blk + Bytes + 2));
                var p0 = T.Dot(default, Avx2.Abs(w0), Avx2.Sign(Vector256.Load(xs + (b + k) * Qk), w0));
                var p1 = T.Dot(default, Avx2.Abs(w1), Avx2.Sign(Vector256.Load(xs + (b + k + 1) * Qk), w1));
                acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(sc[k]), acc0);
                acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(sc[k + 1]), acc0);
            }
        }
        for (; b < nb; b++)
        {
            var blk = row + b * Bytes;
            var w0 = Vector256.Load((sbyte*)(blk + 2));
            var p0 = T.Dot(default, Avx2.Abs(w0), Avx2.Sign(Vector256.Load(xs + b * Qk), w0));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(Fp16.Read(blk) * xd[b]), acc0);
        }
        return Vector256.Sum(acc0);
    }

    /// <summary>One weight row against four vectors: each block is loaded and made unsigned once.</summary>
    private static void Dot4<T>(byte* row, byte* x, long xStride, int n, float* y, long yStride, float* sc) where T : struct, IIntDot
    {
        var nb = n / Qk;
        sbyte* x0 = (sbyte*)x, x1 = (sbyte*)(x + xStride), x2 = (sbyte*)(x + 2 * xStride), x3 = (sbyte*)(x + 3 * xStride);
        float* d0 = Q8Scales(x, n), d1 = Q8Scales(x + xStride, n), d2 = Q8Scales(x + 2 * xStride, n), d3 = Q8Scales(x + 3 * xStride, n);
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
                var wv = Vector256.Load((sbyte*)(row + (b + k) * Bytes + 2));
                var u = Avx2.Abs(wv);
                var o = (b + k) * Qk;
                a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x0 + o), wv))), Vector256.Create(sc[k]), a0);
                a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x1 + o), wv))), Vector256.Create(sc[8 + k]), a1);
                a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x2 + o), wv))), Vector256.Create(sc[16 + k]), a2);
                a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x3 + o), wv))), Vector256.Create(sc[24 + k]), a3);
            }
        }
        for (; b < nb; b++)
        {
            var blk = row + b * Bytes;
            var dw = Fp16.Read(blk);
            var wv = Vector256.Load((sbyte*)(blk + 2));
            var u = Avx2.Abs(wv);
            var o = b * Qk;
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x0 + o), wv))), Vector256.Create(dw * d0[b]), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x1 + o), wv))), Vector256.Create(dw * d1[b]), a1);
            a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x2 + o), wv))), Vector256.Create(dw * d2[b]), a2);
            a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.Dot(default, u, Avx2.Sign(Vector256.Load(x3 + o), wv))), Vector256.Create(dw * d3[b]), a3);
        }
        y[0] = Vector256.Sum(a0);
        y[yStride] = Vector256.Sum(a1);
        y[2 * yStride] = Vector256.Sum(a2);
        y[3 * yStride] = Vector256.Sum(a3);
    }
}
