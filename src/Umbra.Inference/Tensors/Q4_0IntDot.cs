using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_0 rows × Q8 activations. Σ (q − 8) x = Σ q x − 8 Σ x: the x86 paths multiply the unsigned nibbles
/// (0..15) straight into an accumulator that starts at the activation's precomputed −8 Σ x of 8 blocks, so the
/// offset costs one load, not an instruction per vector; the portable and scalar paths subtract 8 Σ x per block.
/// </summary>
internal static unsafe class Q4_0IntDot
{
    private const int Qk = Q4_0Format.BlockSize;
    private const int Bytes = Q4_0Format.BlockBytes;
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
                var xsum = Q8Sums(x, n);
                var sum = 0f;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = row + b * Bytes + 2;
                    var s = 0;
                    for (var j = 0; j < Qk / 2; j++)
                        s += (q[j] & 0xF) * xs[Q8Offset(b, j, n)] + (q[j] >> 4) * xs[Q8Offset(b, j + Qk / 2, n)];
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
                    var p = PortableDot.Bytes16((q & mask).AsSByte(), Q8Load16(xs, b, 0, n))
                          + PortableDot.Bytes16((q >>> 4).AsSByte(), Q8Load16(xs, b, 16, n))
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

    /// <summary>Vectors taken against one weight row per pass: the row's blocks are unpacked once for all of them.</summary>
    private const int Tile = 16;

    /// <summary>Rows per chunk when more than one tile of vectors passes over them (64 KiB of Q8_0 at 2048 columns).</summary>
    private const int RowChunk = 32;

    /// <summary>
    /// Each group of 8 blocks is transposed and unpacked once per pass into 8 registers of nibbles, register k
    /// holding values 4k..4k+3 of blocks 0..7 in lanes 0..7, as the activations are stored: 8 integer dots per vector
    /// from an accumulator starting at −8 Σx leave block i's Σ (q − 8) x in lane i, and one conversion and one
    /// multiply-add by the 8 blocks' scales finish the group. Blocks after the last whole group are summed one by
    /// one. One vector alone and the same vector in any batch go through this same code.
    /// </summary>
    private static void X86<T>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where T : struct, IIntDot
    {
        var acc = stackalloc Vector256<float>[Tile];
        var tail = stackalloc float[Tile];
        var nb = n / Qk;
        var groups = nb / GroupBlocks;
        var offsets = KernelHelpers.Offsets8(Bytes);
        var mask = Vector256.Create((byte)0xF);
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
                // Low nibbles are values 0..15 of a block, high nibbles 16..31.
                Vector256<byte> u0 = c0.AsByte() & mask, u1 = c1.AsByte() & mask, u2 = c2.AsByte() & mask, u3 = c3.AsByte() & mask;
                var u4 = (c0.AsUInt16() >>> 4).AsByte() & mask;
                var u5 = (c1.AsUInt16() >>> 4).AsByte() & mask;
                var u6 = (c2.AsUInt16() >>> 4).AsByte() & mask;
                var u7 = (c3.AsUInt16() >>> 4).AsByte() & mask;
                var dw = KernelHelpers.Scales8(row + g * GroupBlocks * Bytes, offsets);
                for (var v = 0; v < t; v++)
                {
                    var x = xt + v * xStride;
                    var xs = (sbyte*)x + g * 256;
                    var p = T.Dot(Vector256.Load(Q8Neg8Sums(x, n) + g * GroupBlocks), u0, Vector256.Load(xs));
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
            for (var v = 0; v < t; v++)
                tail[v] = 0;
            for (var b = groups * GroupBlocks; b < nb; b++)
            {
                var blk = row + b * Bytes;
                var u = Unpack(blk + 2);
                var dw = Fp16.Read(blk);
                for (var v = 0; v < t; v++)
                {
                    var x = xt + v * xStride;
                    var sum = Vector256.Sum(T.Dot(default, u, Vector256.Load((sbyte*)x + b * Qk))) + Q8Neg8Sums(x, n)[b];
                    tail[v] = MathF.FusedMultiplyAdd(sum, dw * Q8Scales(x, n)[b], tail[v]);
                }
            }
            for (var v = 0; v < t; v++)
                y[(v0 + v) * yStride + r] = Vector256.Sum(acc[v]) + tail[v];
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
}
