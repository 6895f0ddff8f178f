using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The x86 product of 32-value block weights (Q8_0, Q4_0: <see cref="IQ8WeightBlocks"/>) with Q8 activations,
/// batched: each weight row is read against tiles of up to 16 vectors, and each group of 8 of its blocks is loaded
/// (transposed, unpacked) once per tile into 8 registers laid out as the activations are stored (see
/// <see cref="QuantizedActivations.Q8Offset"/>). Then, per vector, 8 integer dots leave block i's whole sum in lane
/// i, and one conversion and one multiply-add by the 8 blocks' scales finish the group. Blocks after the last whole
/// group are summed one by one. One vector alone and the same vector in any batch go through this same code, so
/// batching never changes a product.
/// </summary>
internal static unsafe class Q8Tiles
{
    /// <summary>Vectors taken against one weight row per pass: the row's groups are loaded once for all of them.</summary>
    private const int Tile = 16;

    /// <summary>Rows per chunk when more than one tile of vectors passes over them (36 KiB of Q8_0 at 2048 columns).</summary>
    private const int RowChunk = 32;

    /// <summary>How far ahead of the row in use its weights are requested (see <see cref="KernelHelpers.PrefetchRow"/>).</summary>
    private const int PrefetchBytes = 8 * 1024;

    private const int Qk = Q8Block;
    private const int GroupBlocks = Q8GroupBlocks;

    public static void Run<TBlocks>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var acc = stackalloc Vector256<float>[Tile];
        var tail = stackalloc float[Tile];
        var nb = n / Qk;
        var groups = nb / GroupBlocks;
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        // Offsets from a vector's current group of values to that group's scales and start ints: with them one
        // pointer walks the tile, and the loop over vectors does no address arithmetic beyond one add.
        long scaleRel = Q8ScalesOffset(n), startRel = TBlocks.HasStart ? TBlocks.StartOffset(n) : 0;
        // Rows in chunks that stay in L2 while every tile of vectors passes over them, each tile's activations in L1.
        for (var rc = r0; rc < r1; rc += RowChunk)
        for (var v0 = 0; v0 < count; v0 += Tile)
        for (var r = rc; r < Math.Min(r1, rc + RowChunk); r++)
        {
            var row = w + r * rowBytes;
            var t = Math.Min(Tile, count - v0);
            if (v0 == 0)
                KernelHelpers.PrefetchRow(row + PrefetchBytes, rowBytes, w + r1 * rowBytes);
            var xt = xq + v0 * xStride;
            for (var v = 0; v < t; v++)
                acc[v] = default;
            for (var g = 0; g < groups; g++)
            {
                var blk = row + g * GroupBlocks * TBlocks.BlockBytes;
                TBlocks.LoadGroup(blk, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7);
                var dw = KernelHelpers.Scales8(blk, offsets);
                var xg = xt + g * GroupBlocks * Qk;
                var gs = scaleRel + g * GroupBlocks * (sizeof(float) - Qk);
                var gi = startRel + g * GroupBlocks * (sizeof(int) - Qk);
                var a = acc;
                for (var end = a + t; a < end; a++, xg += xStride)
                {
                    var p = TBlocks.Dot(TBlocks.HasStart ? Vector256.Load((int*)(xg + gi)) : default, w0, Vector256.Load((sbyte*)xg));
                    var q = TBlocks.Dot(default, w1, Vector256.Load((sbyte*)xg + 32));
                    p = TBlocks.Dot(p, w2, Vector256.Load((sbyte*)xg + 64));
                    q = TBlocks.Dot(q, w3, Vector256.Load((sbyte*)xg + 96));
                    p = TBlocks.Dot(p, w4, Vector256.Load((sbyte*)xg + 128));
                    q = TBlocks.Dot(q, w5, Vector256.Load((sbyte*)xg + 160));
                    p = TBlocks.Dot(p, w6, Vector256.Load((sbyte*)xg + 192));
                    q = TBlocks.Dot(q, w7, Vector256.Load((sbyte*)xg + 224));
                    *a = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p + q), dw * Vector256.Load((float*)(xg + gs)), *a);
                }
            }
            for (var v = 0; v < t; v++)
                tail[v] = 0;
            for (var b = groups * GroupBlocks; b < nb; b++)
            {
                var blk = row + b * TBlocks.BlockBytes;
                var wv = TBlocks.LoadBlock(blk);
                var dw = Fp16.Read(blk);
                var xb = xt + b * Qk;
                var bs = scaleRel + b * (sizeof(float) - Qk);
                var bi = startRel + b * (sizeof(int) - Qk);
                for (var v = 0; v < t; v++, xb += xStride)
                {
                    var sum = Vector256.Sum(TBlocks.Dot(default, wv, Vector256.Load((sbyte*)xb))) + (TBlocks.HasStart ? *(int*)(xb + bi) : 0);
                    tail[v] = MathF.FusedMultiplyAdd(sum, dw * *(float*)(xb + bs), tail[v]);
                }
            }
            for (var v = 0; v < t; v++)
                y[(v0 + v) * yStride + r] = Vector256.Sum(acc[v]) + tail[v];
        }
    }
}
