using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q8_0 rows × Q8 activations: per block, Σ w x in integers, then scaled once by d_w × d_x. The x86 paths take
/// |w| and x with w's sign so a byte-by-byte dot (unsigned × signed) applies; the binary16 scales of eight
/// blocks are converted at once. Batched products walk one weight row against up to 16 vectors per pass.
/// </summary>
internal static unsafe class Q8_0IntDot
{
    private const int Qk = Q8_0Format.BlockSize;
    private const int Bytes = Q8_0Format.BlockBytes;
    private const int GroupBlocks = Q8GroupBlocks;

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
                        s += q[j] * xs[Q8Offset(b, j, n)];
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
                    var p = PortableDot.Bytes16(Vector128.Load(q), Q8Load16(xs, b, 0, n))
                          + PortableDot.Bytes16(Vector128.Load(q + 16), Q8Load16(xs, b, 16, n));
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

    /// <summary>Vectors taken against one weight row per pass: the row's blocks are rearranged once for all of them.</summary>
    private const int Tile = 16;

    /// <summary>Rows per chunk when more than one tile of vectors passes over them (64 KiB of Q8_0 at 2048 columns).</summary>
    private const int RowChunk = 32;

    /// <summary>
    /// Each group of 8 blocks is transposed once per pass into 8 registers, register k holding bytes 4k..4k+3 of
    /// blocks 0..7 in lanes 0..7, as the activations are stored (see <see cref="QuantizedActivations.Q8Offset"/>): 8
    /// integer dots per vector leave block i's whole sum in lane i, and one conversion and one multiply-add by the 8
    /// blocks' scales finish the group. With vpdpbusd the weights are made unsigned as w + 128 once, and the
    /// accumulator starts at the activation's −128 Σx; with vpmaddubsw (which saturates there) |w| is taken once and
    /// x gets w's sign per vector. Blocks after the last whole group are summed one by one. One vector alone and the
    /// same vector in any batch go through this same code, so batching never changes a product.
    /// </summary>
    private static void X86<T>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where T : struct, IIntDot
    {
        var acc = stackalloc Vector256<float>[Tile];
        var tail = stackalloc float[Tile];
        var nb = n / Qk;
        var groups = nb / GroupBlocks;
        var offsets = KernelHelpers.Offsets8(Bytes);
        var flip = Vector256.Create((byte)0x80);
        // Rows in chunks that stay in L2 while every tile of vectors passes over them, each tile's activations in L1.
        for (var rc = r0; rc < r1; rc += RowChunk)
        for (var v0 = 0; v0 < count; v0 += Tile)
        for (var r = rc; r < Math.Min(r1, rc + RowChunk); r++)
        {
            var row = w + r * rowBytes;
            var t = Math.Min(Tile, count - v0);
            var xt = xq + v0 * xStride;
            for (var v = 0; v < t; v++)
                acc[v] = default;
            for (var g = 0; g < groups; g++)
            {
                var blk = row + g * GroupBlocks * Bytes + 2;
                KernelHelpers.Transpose4(
                    KernelHelpers.Load2x16(blk, blk + 4 * Bytes), KernelHelpers.Load2x16(blk + Bytes, blk + 5 * Bytes),
                    KernelHelpers.Load2x16(blk + 2 * Bytes, blk + 6 * Bytes), KernelHelpers.Load2x16(blk + 3 * Bytes, blk + 7 * Bytes),
                    out var c0, out var c1, out var c2, out var c3);
                blk += 16;
                KernelHelpers.Transpose4(
                    KernelHelpers.Load2x16(blk, blk + 4 * Bytes), KernelHelpers.Load2x16(blk + Bytes, blk + 5 * Bytes),
                    KernelHelpers.Load2x16(blk + 2 * Bytes, blk + 6 * Bytes), KernelHelpers.Load2x16(blk + 3 * Bytes, blk + 7 * Bytes),
                    out var c4, out var c5, out var c6, out var c7);
                var dw = KernelHelpers.Scales8(row + g * GroupBlocks * Bytes, offsets);
                if (T.FullByteRange)
                {
                    Vector256<byte> u0 = c0.AsByte() ^ flip, u1 = c1.AsByte() ^ flip, u2 = c2.AsByte() ^ flip, u3 = c3.AsByte() ^ flip;
                    Vector256<byte> u4 = c4.AsByte() ^ flip, u5 = c5.AsByte() ^ flip, u6 = c6.AsByte() ^ flip, u7 = c7.AsByte() ^ flip;
                    for (var v = 0; v < t; v++)
                    {
                        var x = xt + v * xStride;
                        var xs = (sbyte*)x + g * 256;
                        var p = T.Dot(Vector256.Load(Q8Neg128Sums(x, n) + g * GroupBlocks), u0, Vector256.Load(xs));
                        var q = T.Dot(default, u1, Vector256.Load(xs + 32));
                        p = T.Dot(p, u2, Vector256.Load(xs + 64));
                        q = T.Dot(q, u3, Vector256.Load(xs + 96));
                        p = T.Dot(p, u4, Vector256.Load(xs + 128));
                        q = T.Dot(q, u5, Vector256.Load(xs + 160));
                        p = T.Dot(p, u6, Vector256.Load(xs + 192));
                        q = T.Dot(q, u7, Vector256.Load(xs + 224));
                        acc[v] = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p + q), dw * Vector256.Load(Q8Scales(x, n) + g * GroupBlocks), acc[v]);
                    }
                }
                else
                {
                    Vector256<sbyte> s0 = c0.AsSByte(), s1 = c1.AsSByte(), s2 = c2.AsSByte(), s3 = c3.AsSByte();
                    Vector256<sbyte> s4 = c4.AsSByte(), s5 = c5.AsSByte(), s6 = c6.AsSByte(), s7 = c7.AsSByte();
                    for (var v = 0; v < t; v++)
                    {
                        var x = xt + v * xStride;
                        var xs = (sbyte*)x + g * 256;
                        var p = T.Dot(default, Avx2.Abs(s0), Avx2.Sign(Vector256.Load(xs), s0));
                        var q = T.Dot(default, Avx2.Abs(s1), Avx2.Sign(Vector256.Load(xs + 32), s1));
                        p = T.Dot(p, Avx2.Abs(s2), Avx2.Sign(Vector256.Load(xs + 64), s2));
                        q = T.Dot(q, Avx2.Abs(s3), Avx2.Sign(Vector256.Load(xs + 96), s3));
                        p = T.Dot(p, Avx2.Abs(s4), Avx2.Sign(Vector256.Load(xs + 128), s4));
                        q = T.Dot(q, Avx2.Abs(s5), Avx2.Sign(Vector256.Load(xs + 160), s5));
                        p = T.Dot(p, Avx2.Abs(s6), Avx2.Sign(Vector256.Load(xs + 192), s6));
                        q = T.Dot(q, Avx2.Abs(s7), Avx2.Sign(Vector256.Load(xs + 224), s7));
                        acc[v] = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p + q), dw * Vector256.Load(Q8Scales(x, n) + g * GroupBlocks), acc[v]);
                    }
                }
            }
            for (var v = 0; v < t; v++)
                tail[v] = 0;
            for (var b = groups * GroupBlocks; b < nb; b++)
            {
                var blk = row + b * Bytes;
                var wv = Vector256.Load((sbyte*)(blk + 2));
                var dw = Fp16.Read(blk);
                for (var v = 0; v < t; v++)
                {
                    var x = xt + v * xStride;
                    var xv = Vector256.Load((sbyte*)x + b * Qk);
                    var sum = T.FullByteRange
                        ? Vector256.Sum(T.Dot(default, wv.AsByte() ^ flip, xv)) + Q8Neg128Sums(x, n)[b]
                        : Vector256.Sum(T.Dot(default, Avx2.Abs(wv), Avx2.Sign(xv, wv)));
                    tail[v] = MathF.FusedMultiplyAdd(sum, dw * Q8Scales(x, n)[b], tail[v]);
                }
            }
            for (var v = 0; v < t; v++)
                y[(v0 + v) * yStride + r] = Vector256.Sum(acc[v]) + tail[v];
        }
    }
}
