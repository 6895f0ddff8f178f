using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The x86 product of K-quant weights (Q4_K, Q6_K: <see cref="IKWeightBlocks"/>) with Q8_K activations, batched as
/// <see cref="Q8Tiles"/> does the 32-value formats: each weight row is read against tiles of up to 16 vectors, each
/// super-block unpacked and transposed once per tile into 8 registers laid out as the activations are stored, then
/// per vector 8 integer dots leave each sub-block's sum in one lane and a few multiply-adds weight them by the
/// sub-block scales. One vector alone (a decode step) takes its own row loop with the same operations in the same
/// order (<see cref="SingleVectorRows{TBlocks}"/>), so batching never changes a product.
/// </summary>
internal static unsafe class KTiles
{
    /// <summary>Vectors taken against one weight row per pass.</summary>
    private const int Tile = 16;

    /// <summary>Rows per chunk when more than one tile of vectors passes over them.</summary>
    private const int RowChunk = 32;

    private const int Qk = Q8KBlock;

    // Optimized from the first call: the kernels run too long per call to start in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TBlocks>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where TBlocks : struct, IKWeightBlocks
    {
        // With the width in one span, one row's accumulators serve every row in turn; across spans, each row of a chunk
        // keeps its own from one span of super-blocks to the next.
        var nb = n / Qk;
        var blockBytes = Qk + sizeof(float) + TBlocks.AuxBytes;
        var perRow = KernelHelpers.AccumulatorsPerRow(Math.Min(Tile, count));
        // The widest tile spans the most: sized for it (the runtime zeroes what is allocated, on every call).
        var anySpans = KernelHelpers.SpanGroups(Math.Min(Tile, count), blockBytes, nb) < nb;
        // Offsets from a vector's current super-block of values to that super-block's scale and other part: with them
        // one pointer walks the tile.
        long scaleRel = Q8KScalesOffset(n), auxRel = TBlocks.AuxOffset(n);
        if (count == 1 && !anySpans)
        {
            SingleVectorRows<TBlocks>(w, rowBytes, r0, r1, xq, nb, scaleRel, auxRel, y);
            return;
        }
        var acc = stackalloc Vector256<float>[(anySpans ? Math.Min(RowChunk, r1 - r0) : 1) * perRow];
        // Rows in chunks that stay in L2 while every tile of vectors passes over them; each tile's activations in L1,
        // a span of super-blocks at a time when the whole width would not fit.
        for (var rc = r0; rc < r1; rc += RowChunk)
        for (var v0 = 0; v0 < count; v0 += Tile)
        {
            var t = Math.Min(Tile, count - v0);
            var xt = xq + v0 * xStride;
            var chunkEnd = Math.Min(r1, rc + RowChunk);
            var span = KernelHelpers.SpanGroups(t, blockBytes, nb);
            var spans = span < nb;
            for (var r = 0; r < (spans ? chunkEnd - rc : 1); r++)
                new Span<Vector256<float>>(acc + r * perRow, t).Clear();
            for (var b0 = 0; b0 < nb || b0 == 0; b0 += span)
            {
                var b1 = Math.Min(nb, b0 + span);
                if (v0 == 0 && (spans || rc == r0))
                    KernelHelpers.PrefetchPassStart(w, rowBytes, rc, r1, spans, (long)b0 * TBlocks.BlockBytes, (long)(b1 - b0) * TBlocks.BlockBytes);
                for (var r = rc; r < chunkEnd; r++)
                {
                    var row = w + r * rowBytes;
                    // The first tile asks for the weights ahead, block by block; the others find them in cache.
                    var ahead = v0 == 0 ? KernelHelpers.PrefetchDistance(rowBytes, r, 1, r1, spans) : 0;
                    var rowAcc = spans ? acc + (r - rc) * perRow : acc;
                    for (var b = b0; b < b1; b++)
                    {
                        if (ahead != 0)
                            KernelHelpers.PrefetchLines(row + b * TBlocks.BlockBytes + ahead, TBlocks.BlockBytes);
                        TBlocks.Load(row + b * TBlocks.BlockBytes, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7,
                            out var f0, out var f1);
                        var xb = xt + b * Qk;
                        var bs = scaleRel + b * (sizeof(float) - Qk);
                        var ba = auxRel + b * (TBlocks.AuxBytes - Qk);
                        var a = rowAcc;
                        for (var end = a + t; a < end; a++, xb += xStride)
                            *a = TBlocks.Accumulate(*a, xb, bs, ba, w0, w1, w2, w3, w4, w5, w6, w7, f0, f1);
                    }
                    if (b1 == nb)
                    {
                        KernelHelpers.StoreSums(rowAcc, null, t, y + v0 * yStride + r, yStride);
                        if (!spans)
                            new Span<Vector256<float>>(rowAcc, t).Clear();
                    }
                }
            }
        }
    }

    /// <summary>
    /// One vector's products with rows <paramref name="r0"/>..<paramref name="r1"/>−1 (a decode step's), each row's sum
    /// in a register: the same operations in the same order as the tile loop gives a vector, without clearing and
    /// storing an accumulator per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void SingleVectorRows<TBlocks>(byte* w, long rowBytes, int r0, int r1, byte* x, int nb, long scaleRel, long auxRel, float* y)
        where TBlocks : struct, IKWeightBlocks
    {
        KernelHelpers.PrefetchPassStart(w, rowBytes, r0, r1, spans: false, 0, (long)nb * TBlocks.BlockBytes);
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            var ahead = KernelHelpers.PrefetchDistance(rowBytes, r, 1, r1, spans: false);
            var acc = Vector256<float>.Zero;
            for (var b = 0; b < nb; b++)
            {
                if (ahead != 0)
                    KernelHelpers.PrefetchLines(row + b * TBlocks.BlockBytes + ahead, TBlocks.BlockBytes);
                TBlocks.Load(row + b * TBlocks.BlockBytes, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7,
                    out var f0, out var f1);
                var xb = x + b * Qk;
                acc = TBlocks.Accumulate(acc, xb, scaleRel + b * (sizeof(float) - Qk), auxRel + b * (TBlocks.AuxBytes - Qk), w0, w1, w2, w3, w4, w5, w6, w7, f0, f1);
            }
            y[r] = Vector256.Sum(acc);
        }
    }
}
