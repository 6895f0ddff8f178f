using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The x86 product of K-quant weights (Q4_K, Q6_K: <see cref="IKWeightBlocks"/>) with Q8_K activations, batched as
/// <see cref="Q8Tiles"/> does the 32-value formats: each weight row is read against tiles of up to 16 vectors, each
/// super-block unpacked and transposed once per tile into 8 registers laid out as the activations are stored, then
/// per vector 8 integer dots leave each sub-block's sum in one lane and a few multiply-adds weight them by the
/// sub-block scales. Where several tiles pass over the same chunk of rows (a prompt's vectors), the chunk's
/// super-blocks are unpacked once into a per-thread buffer (<see cref="Pack{TBlocks}"/>: the registers
/// <see cref="IKWeightBlocks.Load"/> gives) and every tile loads them ready: 64 and 128 vectors 2–5 % faster for
/// Q4_K on the 2-core Zen 4, and a 512-token prefill 7 % (Q4_K) and 10 % (Q6_K, with pairing) faster. Formats that gain
/// by it (<see cref="IKWeightBlocks.PairRows"/>: Q6_K) take two rows at once through tiles of 8 vectors or more, each
/// activation load feeding both rows' dots. One vector alone (a decode step) takes its own row loop with the same
/// operations in the same order (<see cref="SingleVectorRows{TBlocks}"/>), so batching, packing and pairing never
/// change a product.
/// </summary>
internal static unsafe class KTiles
{
    /// <summary>Vectors taken against one weight row per pass.</summary>
    private const int Tile = 16;

    /// <summary>Rows per chunk when more than one tile of vectors passes over them.</summary>
    private const int RowChunk = 32;

    /// <summary>The fewest vectors in a tile for two rows to go through it at once (see <see cref="RowsPaired{TBlocks}"/>).</summary>
    private const int PairedVectors = 8;

    /// <summary>
    /// Whether tiles of <see cref="PairedVectors"/> or more take two rows at once, each activation load feeding both
    /// rows' dots: for formats that gain by it (<see cref="IKWeightBlocks.PairRows"/>), with AVX-512's 32 vector
    /// registers, which hold two rows' 20 weight and factor registers. With AVX2's 16 they would be spilled and reloaded
    /// for every vector.
    /// </summary>
    private static bool RowsPaired<TBlocks>()
        where TBlocks : struct, IKWeightBlocks => TBlocks.PairRows && Avx512F.VL.IsSupported;

    private const int Qk = Q8KBlock;

    /// <summary>Bytes of one super-block packed (<see cref="Pack{TBlocks}"/>): its 8 value registers and its 2 factor registers.</summary>
    private const int PackedBlockBytes = 10 * 32;

    // Optimized from the first call: the kernels run too long per call to start in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TBlocks>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where TBlocks : struct, IKWeightBlocks
    {
        // With the width in one span, two rows' accumulators serve every row in turn; across spans, each row of a chunk
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
        // Never fewer than two rows: a tile that does not span pairs rows in the first two.
        var acc = stackalloc Vector256<float>[(anySpans ? Math.Max(2, Math.Min(RowChunk, r1 - r0)) : 2) * perRow];
        // When more than one tile passes over each chunk of rows (a prompt): the chunk's super-blocks unpacked once for all
        // of them. A single tile reads the blocks in place.
        var packedRowBytes = count > Tile ? (long)nb * PackedBlockBytes : 0;
        var packed = packedRowBytes > 0 && r1 > r0 ? KernelHelpers.PackBuffer(Math.Min(RowChunk, r1 - r0) * packedRowBytes) : null;
        // Rows in chunks that stay in L2 while every tile of vectors passes over them; each tile's activations in L1,
        // a span of super-blocks at a time when the whole width would not fit.
        for (var rc = r0; rc < r1; rc += RowChunk)
        {
            var chunkEnd = Math.Min(r1, rc + RowChunk);
            if (packed != null)
                PackChunk<TBlocks>(w, rowBytes, r0, rc, chunkEnd, nb, packed, packedRowBytes);
            for (var v0 = 0; v0 < count; v0 += Tile)
            {
                var t = Math.Min(Tile, count - v0);
                var xt = xq + v0 * xStride;
                var span = KernelHelpers.SpanGroups(t, blockBytes, nb);
                var spans = span < nb;
                for (var r = 0; r < (spans ? chunkEnd - rc : 2); r++)
                    new Span<Vector256<float>>(acc + r * perRow, t).Clear();
                for (var b0 = 0; b0 < nb || b0 == 0; b0 += span)
                {
                    var b1 = Math.Min(nb, b0 + span);
                    // (Rows packed were read just now.)
                    if (v0 == 0 && (spans || rc == r0) && packed == null)
                        KernelHelpers.PrefetchPassStart(w, rowBytes, rc, r1, spans, (long)b0 * TBlocks.BlockBytes, (long)(b1 - b0) * TBlocks.BlockBytes);
                    for (var r = rc; r < chunkEnd; r++)
                    {
                        var row = w + r * rowBytes;
                        var packedRow = packed + (r - rc) * packedRowBytes;
                        var paired = RowsPaired<TBlocks>() && t >= PairedVectors && r + 1 < chunkEnd;
                        // The first tile asks for the weights ahead, block by block; the others find them in cache. Packed
                        // rows ask for the same rows of the next chunk, for its pack to find in cache.
                        var ahead = v0 == 0 && packed == null ? KernelHelpers.PrefetchDistance(rowBytes, r, paired ? 2 : 1, r1, spans) : 0;
                        var ask = packed != null
                            ? (v0 == 0 && r + (paired ? 1 : 0) + RowChunk < r1 ? row + RowChunk * rowBytes : null)
                            : ahead != 0 ? row + ahead : null;
                        var rowAcc = spans ? acc + (r - rc) * perRow : acc;
                        if (paired)
                        {
                            if (packed != null)
                                BlocksPaired<TBlocks, RowSource.Packed>(row, rowBytes, packedRow, packedRowBytes, xt, t, xStride, scaleRel, auxRel, b0, b1, rowAcc, rowAcc + perRow, ask);
                            else
                                BlocksPaired<TBlocks, RowSource.InPlace>(row, rowBytes, null, 0, xt, t, xStride, scaleRel, auxRel, b0, b1, rowAcc, rowAcc + perRow, ask);
                            if (b1 == nb)
                            {
                                KernelHelpers.StoreSums(rowAcc, null, t, y + v0 * yStride + r, yStride);
                                KernelHelpers.StoreSums(rowAcc + perRow, null, t, y + v0 * yStride + r + 1, yStride);
                                if (!spans)
                                    new Span<Vector256<float>>(rowAcc, perRow + t).Clear();
                            }
                            r++;
                            continue;
                        }
                        if (packed != null)
                            Blocks<TBlocks, RowSource.Packed>(row, packedRow, xt, t, xStride, scaleRel, auxRel, b0, b1, rowAcc, ask);
                        else
                            Blocks<TBlocks, RowSource.InPlace>(row, null, xt, t, xStride, scaleRel, auxRel, b0, b1, rowAcc, ask);
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
    }

    /// <summary>
    /// Packs super-blocks 0..<paramref name="nb"/>−1 of rows <paramref name="rc"/>..<paramref name="chunkEnd"/>−1 to
    /// <paramref name="packed"/>, <paramref name="packedRowBytes"/> a row: each as <see cref="IKWeightBlocks.Load"/>
    /// gives it (the values unpacked and transposed, the scales as float factors), so every tile that passes over the
    /// chunk loads them ready. Asks for the blocks ahead within the chunk; the first tile's pass over a chunk has asked
    /// for most of the next one.
    /// </summary>
    private static void PackChunk<TBlocks>(byte* w, long rowBytes, int r0, int rc, int chunkEnd, int nb, byte* packed, long packedRowBytes)
        where TBlocks : struct, IKWeightBlocks
    {
        if (rc == r0)
            KernelHelpers.PrefetchPassStart(w, rowBytes, rc, chunkEnd, spans: false, 0, rowBytes);
        for (var r = rc; r < chunkEnd; r++)
            Pack<TBlocks>(w + r * rowBytes, nb, packed + (r - rc) * packedRowBytes, KernelHelpers.PrefetchDistance(rowBytes, r, 1, chunkEnd, spans: false));
    }

    /// <summary>
    /// The first <paramref name="nb"/> super-blocks of <paramref name="row"/> to <paramref name="packed"/> (32-byte
    /// aligned), <see cref="PackedBlockBytes"/> each: the 8 value registers, then the 2 factor registers of
    /// <see cref="IKWeightBlocks.Load"/>. Asks for the blocks <paramref name="ahead"/> bytes on (0: not at all).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack<TBlocks>(byte* row, int nb, byte* packed, long ahead)
        where TBlocks : struct, IKWeightBlocks
    {
        for (var b = 0; b < nb; b++, packed += PackedBlockBytes)
        {
            var blk = row + b * TBlocks.BlockBytes;
            if (ahead != 0)
                KernelHelpers.PrefetchLines(blk + ahead, TBlocks.BlockBytes);
            TBlocks.Load(blk, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7, out var f0, out var f1);
            w0.StoreAligned((sbyte*)packed);
            w1.StoreAligned((sbyte*)(packed + 32));
            w2.StoreAligned((sbyte*)(packed + 64));
            w3.StoreAligned((sbyte*)(packed + 96));
            w4.StoreAligned((sbyte*)(packed + 128));
            w5.StoreAligned((sbyte*)(packed + 160));
            w6.StoreAligned((sbyte*)(packed + 192));
            w7.StoreAligned((sbyte*)(packed + 224));
            f0.StoreAligned((float*)(packed + 256));
            f1.StoreAligned((float*)(packed + 288));
        }
    }

    /// <summary>
    /// Super-block <paramref name="b"/>'s registers: from the row's blocks with <see cref="IKWeightBlocks.Load"/>, or,
    /// for <see cref="RowSource.Packed"/>, as <see cref="Pack{TBlocks}"/> stored them at <paramref name="packed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load<TBlocks, TSource>(byte* row, byte* packed, int b,
        out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
        out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7,
        out Vector256<float> f0, out Vector256<float> f1)
        where TBlocks : struct, IKWeightBlocks
        where TSource : struct, IRowSource
    {
        if (!TSource.Packed)
        {
            TBlocks.Load(row + b * TBlocks.BlockBytes, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7, out f0, out f1);
            return;
        }
        var p = packed + b * PackedBlockBytes;
        w0 = Vector256.LoadAligned((sbyte*)p);
        w1 = Vector256.LoadAligned((sbyte*)(p + 32));
        w2 = Vector256.LoadAligned((sbyte*)(p + 64));
        w3 = Vector256.LoadAligned((sbyte*)(p + 96));
        w4 = Vector256.LoadAligned((sbyte*)(p + 128));
        w5 = Vector256.LoadAligned((sbyte*)(p + 160));
        w6 = Vector256.LoadAligned((sbyte*)(p + 192));
        w7 = Vector256.LoadAligned((sbyte*)(p + 224));
        f0 = Vector256.LoadAligned((float*)(p + 256));
        f1 = Vector256.LoadAligned((float*)(p + 288));
    }

    /// <summary>
    /// acc[v] plus super-blocks b0..b1−1 of one row (<paramref name="row"/>, or its packed copy at
    /// <paramref name="packed"/>) for the <paramref name="t"/> vectors from <paramref name="xt"/>, each
    /// <paramref name="xStride"/> bytes on. Super-block b asks for the bytes at <paramref name="ask"/> + b × its bytes
    /// in the matrix (null: none): in place, the weights ahead; packed, the same super-block of a row in the next chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocks<TBlocks, TSource>(byte* row, byte* packed, byte* xt, int t, long xStride, long scaleRel, long auxRel, int b0, int b1,
        Vector256<float>* acc, byte* ask)
        where TBlocks : struct, IKWeightBlocks
        where TSource : struct, IRowSource
    {
        for (var b = b0; b < b1; b++)
        {
            if (ask != null)
                KernelHelpers.PrefetchLines(ask + b * TBlocks.BlockBytes, TBlocks.BlockBytes);
            Load<TBlocks, TSource>(row, packed, b, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7, out var f0, out var f1);
            var xb = xt + b * Qk;
            var bs = scaleRel + b * (sizeof(float) - Qk);
            var ba = auxRel + b * (TBlocks.AuxBytes - Qk);
            var a = acc;
            for (var end = a + t; a < end; a++, xb += xStride)
                *a = TBlocks.Accumulate(*a, xb, bs, ba, w0, w1, w2, w3, w4, w5, w6, w7, f0, f1);
        }
    }

    /// <summary>
    /// <see cref="Blocks{TBlocks, TSource}"/> for <paramref name="row"/> and the row <paramref name="rowBytes"/> after it
    /// (its packed copy <paramref name="packedRowBytes"/> after the first's), into acc and accB: both rows' super-blocks
    /// loaded once, then per vector <see cref="IKWeightBlocks.AccumulatePaired"/>, which gives each row exactly what
    /// <see cref="IKWeightBlocks.Accumulate"/> would. Super-block b asks for the bytes at <paramref name="ask"/> + b × its
    /// bytes, and <paramref name="rowBytes"/> after them (null: neither).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlocksPaired<TBlocks, TSource>(byte* row, long rowBytes, byte* packed, long packedRowBytes, byte* xt, int t, long xStride,
        long scaleRel, long auxRel, int b0, int b1, Vector256<float>* acc, Vector256<float>* accB, byte* ask)
        where TBlocks : struct, IKWeightBlocks
        where TSource : struct, IRowSource
    {
        for (var b = b0; b < b1; b++)
        {
            if (ask != null)
            {
                KernelHelpers.PrefetchLines(ask + b * TBlocks.BlockBytes, TBlocks.BlockBytes);
                KernelHelpers.PrefetchLines(ask + rowBytes + b * TBlocks.BlockBytes, TBlocks.BlockBytes);
            }
            Load<TBlocks, TSource>(row, packed, b, out var a0, out var a1, out var a2, out var a3, out var a4, out var a5, out var a6, out var a7, out var fa0, out var fa1);
            Load<TBlocks, TSource>(row + rowBytes, packed + packedRowBytes, b,
                out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7, out var fb0, out var fb1);
            var xb = xt + b * Qk;
            var bs = scaleRel + b * (sizeof(float) - Qk);
            var ba = auxRel + b * (TBlocks.AuxBytes - Qk);
            var pa = acc;
            var pb = accB;
            for (var end = pa + t; pa < end; pa++, pb++, xb += xStride)
                TBlocks.AccumulatePaired(ref *pa, ref *pb, xb, bs, ba, a0, a1, a2, a3, a4, a5, a6, a7, fa0, fa1, c0, c1, c2, c3, c4, c5, c6, c7, fb0, fb1);
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
