using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The x86 product of 32-value block weights (Q8_0, Q4_0: <see cref="IQ8WeightBlocks"/>) with Q8 activations,
/// batched: each weight row is read against tiles of up to 16 vectors, and each group of 8 of its blocks is loaded
/// (transposed, unpacked) once per tile into 8 registers laid out as the activations are stored (see
/// <see cref="QuantizedActivations.Q8Offset"/>). Then, per vector, 8 integer dots leave block i's whole sum in lane
/// i, and one conversion and one multiply-add by the 8 blocks' scales finish the group. A tile of 8 vectors or more
/// takes two rows at once (unless the weights are split into nibbles), so each activation load feeds two dots. Blocks after the
/// last whole group are summed one by one. Every (row, vector) pair gets the same exact integer sums and then the
/// same float operations in the same order whatever the batch, the tile, the pairing or the block loader, so
/// batching never changes a product. Formats with <see cref="IQ8WeightBlocks.Wide"/> (Q4_0 and Q8_0 on
/// <see cref="DotPath.Avx512Wide"/>, against <see cref="ActivationFormat.Q8Wide"/> activations) take their whole
/// groups of 16 blocks through <see cref="Q8WideTiles"/> first (paired there too, unless split); when more than one
/// tile passes over a chunk of rows (a prompt), the chunk's wide groups are packed first (<see cref="Q8WideTiles.Pack{TBlocks}"/>),
/// so that they are transposed and their scales converted once rather than once per tile. One vector whose
/// activations need no spans (a decode step) skips the tiles: <see cref="SingleVectorRows{TBlocks}"/> takes each row
/// straight through with the same operations in the same order.
/// </summary>
internal static unsafe class Q8Tiles
{
    /// <summary>Vectors taken against one weight row per pass: the row's groups are loaded once for all of them.</summary>
    private const int Tile = 16;

    /// <summary>The fewest vectors in a tile for two rows to go through it at once.</summary>
    private const int PairedVectors = 8;

    /// <summary>
    /// Rows per chunk when more than one tile of vectors passes over them (68 KiB of Q8_0, 36 KiB of Q4_0 at 2048
    /// columns, and as much again, a little more, for the chunk's packed copy: see <see cref="Q8WideTiles.Pack{TBlocks}"/>).
    /// </summary>
    private const int RowChunk = 32;

    private const int Qk = Q8Block;
    private const int GroupBlocks = Q8GroupBlocks;

    // Optimized from the first call: the kernels run too long per call to start in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TBlocks>(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
        where TBlocks : struct, IQ8WeightBlocks
    {
        // With the width in one span, two rows' accumulators serve every row in turn; across spans, each row of a chunk
        // keeps its own from one span of columns to the next.
        var shape = new Shape(n, xStride, TBlocks.BlockBytes, TBlocks.HasStart ? TBlocks.StartOffset(n) : 0);
        var groupBytes = GroupBlocks * (Qk + sizeof(float) + (TBlocks.HasStart ? sizeof(int) : 0));
        var perRow = KernelHelpers.AccumulatorsPerRow(Math.Min(Tile, count));
        var weightGroupBytes = GroupBlocks * TBlocks.BlockBytes;
        // The widest tile spans the most: sized for it (the runtime zeroes what is allocated, on every call).
        var anySpans = KernelHelpers.SpanGroups(Math.Min(Tile, count), groupBytes, shape.Groups, weightGroupBytes) < shape.Groups;
        // Wide formats: the 8-block groups their 16-block groups cover.
        var wide = TBlocks.Wide ? Q8WideGroups(n) * 2 : 0;
        // Every block of a row in wide groups (2048 or 5632 columns): the 512-bit accumulators give the sums directly.
        var allWide = TBlocks.Wide && wide == shape.Groups && shape.Blocks == shape.Groups * GroupBlocks;
        // One vector (decode): each row straight through, its sums in registers.
        if (count == 1 && !anySpans)
        {
            SingleVectorRows<TBlocks>(w, rowBytes, r0, r1, xq, shape, wide, allWide, y);
            return;
        }
        // Never fewer than two rows: a tile that does not span pairs rows in the first two (and clears both, unless every
        // block lies in wide groups).
        var accRows = anySpans ? Math.Max(2, Math.Min(RowChunk, r1 - r0)) : 2;
        var acc = stackalloc Vector256<float>[accRows * perRow];
        // A 512-bit accumulator per row and vector for wide formats, 64-byte aligned.
        var wideRaw = stackalloc byte[TBlocks.Wide ? accRows * perRow * 64 + 64 : 0];
        var accWide = (Vector512<float>*)(((nint)wideRaw + 63) & ~(nint)63);
        // Wide formats, when more than one tile passes over each chunk of rows (a prompt): the chunk's wide groups packed
        // once for all of them. A single tile reads the blocks in place: packing first made 8 and 16 vectors slower.
        var packedRowBytes = TBlocks.Wide && count > Tile ? wide / 2 * (long)Q8WideTiles.PackedGroupBytes<TBlocks>() : 0;
        var packed = packedRowBytes > 0 && r1 > r0 ? KernelHelpers.PackBuffer(Math.Min(RowChunk, r1 - r0) * packedRowBytes) : null;
        // Rows in chunks that stay in L2 while every tile of vectors passes over them; each tile's activations in L1,
        // a span of columns at a time when the whole width would not fit.
        for (var rc = r0; rc < r1; rc += RowChunk)
        {
            var chunkEnd = Math.Min(r1, rc + RowChunk);
            if (packed != null)
                PackChunk<TBlocks>(w, rowBytes, r0, rc, chunkEnd, wide / 2, packed, packedRowBytes);
            for (var v0 = 0; v0 < count; v0 += Tile)
            {
                var t = Math.Min(Tile, count - v0);
                var xt = xq + v0 * xStride;
                var yt = y + v0 * yStride;
                var span = KernelHelpers.SpanGroups(t, groupBytes, shape.Groups, weightGroupBytes);
                // A span never splits a wide group.
                if (TBlocks.Wide && span < shape.Groups)
                    span = Math.Max(2, span & ~1);
                var spans = span < shape.Groups;
                // A row's wide accumulators take its first group's products as they are: only the others are cleared.
                for (var r = 0; r < (spans ? chunkEnd - rc : 2) && !allWide; r++)
                    new Span<Vector256<float>>(acc + r * perRow, t).Clear();
                for (var g0 = 0; g0 < shape.Groups || g0 == 0; g0 += span)
                {
                    var g1 = Math.Min(shape.Groups, g0 + span);
                    var last = g1 == shape.Groups;
                    // (Rows all packed were read just now.)
                    if (v0 == 0 && (spans || rc == r0) && !(packed != null && allWide))
                        KernelHelpers.PrefetchPassStart(w, rowBytes, rc, r1, spans, (long)g0 * weightGroupBytes, last ? rowBytes - (long)g0 * weightGroupBytes : (long)(g1 - g0) * weightGroupBytes);
                    for (var r = rc; r < chunkEnd; r++)
                    {
                        var row = w + r * rowBytes;
                        var a = spans ? acc + (r - rc) * perRow : acc;
                        // Two rows at a time from 8 vectors on: no faster at 8 on the Xeon with AVX-VNNI, 11 % more 8-stream
                        // decode on Zen 4 (docs/ENGINE.md). Split bytes keep 16 weight registers per row: two rows' would not fit.
                        var paired = t >= PairedVectors && r + 1 < chunkEnd && !TBlocks.SplitBytes;
                        // The first tile asks for the weights ahead, group by group; the others find them in cache.
                        var ahead = v0 == 0 ? KernelHelpers.PrefetchDistance(rowBytes, r, paired ? 2 : 1, r1, spans) : 0;
                        var aw = spans ? accWide + (r - rc) * perRow : accWide;
                        if (paired)
                        {
                            // Packed rows ask for the same rows of the next chunk, for its pack to find in cache.
                            if (TBlocks.Wide && g0 < wide && packed != null)
                                Q8WideTiles.GroupsPaired<TBlocks, RowSource.Packed>(row, rowBytes, packed + (r - rc) * packedRowBytes, packedRowBytes, xt, t, shape.XStride, shape.ScaleRel, shape.StartRel,
                                    g0 / 2, Math.Min(g1, wide) / 2, aw, aw + perRow, v0 == 0 && r + 1 + RowChunk < r1 ? row + RowChunk * rowBytes : null);
                            else if (TBlocks.Wide && g0 < wide)
                                Q8WideTiles.GroupsPaired<TBlocks, RowSource.InPlace>(row, rowBytes, null, 0, xt, t, shape.XStride, shape.ScaleRel, shape.StartRel,
                                    g0 / 2, Math.Min(g1, wide) / 2, aw, aw + perRow, ahead != 0 ? row + ahead : null);
                            if (allWide)
                            {
                                // No 8-block groups, no tail, no 256-bit accumulators: the sums come straight from the wide ones.
                                if (last)
                                {
                                    Q8WideTiles.StoreSums(aw, t, yt + r, yStride);
                                    Q8WideTiles.StoreSums(aw + perRow, t, yt + r + 1, yStride);
                                }
                            }
                            else
                            {
                                GroupsPaired<TBlocks>(row, rowBytes, xt, t, shape, Math.Max(g0, wide), g1, a, a + perRow, ahead);
                                if (last)
                                {
                                    PrefetchTail(row + ahead, rowBytes, ahead != 0 ? 2 : 0, shape);
                                    Finish<TBlocks>(row, xt, t, shape, a, aw, yt + r, yStride, clear: !spans);
                                    Finish<TBlocks>(row + rowBytes, xt, t, shape, a + perRow, aw + perRow, yt + r + 1, yStride, clear: !spans);
                                }
                            }
                            r++;
                            continue;
                        }
                        if (TBlocks.Wide && g0 < wide)
                        {
                            if (packed != null)
                                Q8WideTiles.Groups<TBlocks, RowSource.Packed>(row, packed + (r - rc) * packedRowBytes, xt, t, shape.XStride, shape.ScaleRel, shape.StartRel,
                                    g0 / 2, Math.Min(g1, wide) / 2, aw, v0 == 0 && r + RowChunk < r1 ? row + RowChunk * rowBytes : null);
                            else
                                Q8WideTiles.Groups<TBlocks, RowSource.InPlace>(row, null, xt, t, shape.XStride, shape.ScaleRel, shape.StartRel,
                                    g0 / 2, Math.Min(g1, wide) / 2, aw, ahead != 0 ? row + ahead : null);
                        }
                        if (allWide)
                        {
                            if (last)
                                Q8WideTiles.StoreSums(aw, t, yt + r, yStride);
                        }
                        else
                        {
                            Groups<TBlocks>(row, xt, t, shape, Math.Max(g0, wide), g1, a, ahead); // wide is 0 for other formats
                            if (last)
                            {
                                PrefetchTail(row + ahead, rowBytes, ahead != 0 ? 1 : 0, shape);
                                Finish<TBlocks>(row, xt, t, shape, a, aw, yt + r, yStride, clear: !spans);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs the wide groups (<paramref name="groups"/> a row) of rows <paramref name="rc"/>..<paramref name="chunkEnd"/>−1
    /// to <paramref name="packed"/>, <paramref name="packedRowBytes"/> a row. The pack asks for the blocks ahead within
    /// the chunk; the first tile's pass over a chunk has asked for most of the next one (the same rows, group by group),
    /// so its pack mostly finds them in cache.
    /// </summary>
    private static void PackChunk<TBlocks>(byte* w, long rowBytes, int r0, int rc, int chunkEnd, int groups, byte* packed, long packedRowBytes)
        where TBlocks : struct, IQ8WeightBlocks
    {
        if (rc == r0)
            KernelHelpers.PrefetchPassStart(w, rowBytes, rc, chunkEnd, spans: false, 0, rowBytes);
        for (var r = rc; r < chunkEnd; r++)
            Q8WideTiles.Pack<TBlocks>(w + r * rowBytes, groups, packed + (r - rc) * packedRowBytes,
                KernelHelpers.PrefetchDistance(rowBytes, r, 1, chunkEnd, spans: false));
    }

    /// <summary>
    /// Requests the blocks after the last whole group (<see cref="Finish{TBlocks}"/>'s) of <paramref name="rows"/>
    /// rows from <paramref name="row"/>, which group-by-group requests do not cover.
    /// </summary>
    private static void PrefetchTail(byte* row, long rowBytes, int rows, Shape s)
    {
        var from = s.Groups * GroupBlocks * s.BlockBytes;
        var tail = (s.Blocks - s.Groups * GroupBlocks) * s.BlockBytes;
        for (var i = 0; i < rows && tail > 0; i++)
            KernelHelpers.PrefetchLines(row + i * rowBytes + from, tail);
    }

    /// <summary>acc[v] += Σ over groups g0..g1−1 of one row of Σ_i d_w d_x Σ w x, per lane i (block of the group), a group at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups<TBlocks>(byte* row, byte* xt, int t, Shape s, int g0, int g1, Vector256<float>* acc, long ahead)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        long stride = s.XStride, scaleRel = s.ScaleRel, startRel = s.StartRel;
        for (var g = g0; g < g1; g++)
        {
            var blk = row + g * GroupBlocks * TBlocks.BlockBytes;
            if (ahead != 0)
                KernelHelpers.PrefetchLines(blk + ahead, GroupBlocks * TBlocks.BlockBytes);
            Vector256<sbyte> w0, w1, w2, w3, w4, w5, w6, w7, h0, h1, h2, h3, h4, h5, h6, h7;
            if (TBlocks.SplitBytes)
            {
                TBlocks.LoadSplitGroup(blk, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7, out h0, out h1, out h2, out h3, out h4, out h5, out h6, out h7);
            }
            else
            {
                TBlocks.LoadGroup(blk, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);
                h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = default;
            }
            var dw = KernelHelpers.Scales8(blk, offsets);
            var xg = xt + g * GroupBlocks * Qk;
            var gs = scaleRel + g * GroupBlocks * (sizeof(float) - Qk);
            var gi = startRel + g * GroupBlocks * (sizeof(int) - Qk);
            var a = acc;
            for (var end = a + t; a < end; a++, xg += stride)
            {
                var start = TBlocks.HasStart ? Vector256.Load((int*)(xg + gi)) : default;
                var sum = TBlocks.SplitBytes
                    ? start + KernelHelpers.NibbleDots8(w0, w1, w2, w3, w4, w5, w6, w7, (sbyte*)xg) + KernelHelpers.NibbleDots8(h0, h1, h2, h3, h4, h5, h6, h7, (sbyte*)xg, 16)
                    : Dot8<TBlocks>(start, w0, w1, w2, w3, w4, w5, w6, w7, (sbyte*)xg);
                *a = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum), dw * Vector256.Load((float*)(xg + gs)), *a);
            }
        }
    }

    /// <summary>
    /// One vector's products with rows <paramref name="r0"/>..<paramref name="r1"/>−1 (a decode step's), each row
    /// straight through with its sums in registers: no accumulators in memory and no tile bookkeeping, which cost about 50
    /// cycles a row (a fifth of one vector's 2048-column Q4_0 row on Zen 4). The wide groups run inline
    /// (<see cref="Q8WideTiles.SingleVector{TBlocks}"/>: calling their tile loop instead made one vector 4–11 % slower);
    /// the 8-block groups go through <see cref="Groups{TBlocks}"/>, whose call per row cost one vector of Q4_0 nothing
    /// measurable and of Q8_0 about 2.5 % on the AVX2 path, against a copy of its body. Each row gets the same
    /// operations in the same order as a vector in a tile gets from <see cref="Q8WideTiles.Groups{TBlocks, TSource}"/>,
    /// <see cref="Groups{TBlocks}"/> and <see cref="Finish{TBlocks}"/> (or, for rows all in wide groups,
    /// <see cref="Q8WideTiles.StoreSums"/>), so the products are the same bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void SingleVectorRows<TBlocks>(byte* w, long rowBytes, int r0, int r1, byte* x, Shape s, int wide, bool allWide, float* y)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        KernelHelpers.PrefetchPassStart(w, rowBytes, r0, r1, spans: false, 0, rowBytes);
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            var ahead = KernelHelpers.PrefetchDistance(rowBytes, r, 1, r1, spans: false);
            var wideAcc = TBlocks.Wide && wide > 0
                ? Q8WideTiles.SingleVector<TBlocks>(row, x, s.ScaleRel, s.StartRel, wide / 2, ahead, offsets)
                : default;
            if (allWide)
            {
                y[r] = Vector256.Sum(Q8WideTiles.Fold(wideAcc));
                continue;
            }
            var acc = Vector256<float>.Zero;
            Groups<TBlocks>(row, x, 1, s, wide, s.Groups, &acc, ahead);
            PrefetchTail(row + ahead, rowBytes, ahead != 0 ? 1 : 0, s);
            var tail = 0f;
            for (var b = s.Groups * GroupBlocks; b < s.Blocks; b++)
                tail = AddBlock<TBlocks>(row, x, s, b, tail);
            if (TBlocks.Wide && wide > 0)
                acc = Q8WideTiles.Fold(wideAcc) + acc;
            y[r] = Vector256.Sum(acc) + tail;
        }
    }

    /// <summary><see cref="Groups{TBlocks}"/> for two consecutive rows at once, each with exactly the same operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupsPaired<TBlocks>(byte* row, long rowBytes, byte* xt, int t, Shape s, int g0, int g1, Vector256<float>* acc, Vector256<float>* accB,
        long ahead)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        long stride = s.XStride, scaleRel = s.ScaleRel, startRel = s.StartRel;
        for (var g = g0; g < g1; g++)
        {
            var blk = row + g * GroupBlocks * TBlocks.BlockBytes;
            if (ahead != 0)
            {
                KernelHelpers.PrefetchLines(blk + ahead, GroupBlocks * TBlocks.BlockBytes);
                KernelHelpers.PrefetchLines(blk + rowBytes + ahead, GroupBlocks * TBlocks.BlockBytes);
            }
            TBlocks.LoadGroup(blk, out var a0, out var a1, out var a2, out var a3, out var a4, out var a5, out var a6, out var a7);
            TBlocks.LoadGroup(blk + rowBytes, out var b0, out var b1, out var b2, out var b3, out var b4, out var b5, out var b6, out var b7);
            var da = KernelHelpers.Scales8(blk, offsets);
            var db = KernelHelpers.Scales8(blk + rowBytes, offsets);
            var xg = xt + g * GroupBlocks * Qk;
            var gs = scaleRel + g * GroupBlocks * (sizeof(float) - Qk);
            var gi = startRel + g * GroupBlocks * (sizeof(int) - Qk);
            var pa = acc;
            var pb = accB;
            for (var end = pa + t; pa < end; pa++, pb++, xg += stride)
            {
                var start = TBlocks.HasStart ? Vector256.Load((int*)(xg + gi)) : default;
                Dot8Paired<TBlocks>(start, a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7, (sbyte*)xg, out var sa, out var sb);
                var dx = Vector256.Load((float*)(xg + gs));
                *pa = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sa), da * dx, *pa);
                *pb = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sb), db * dx, *pb);
            }
        }
    }

    /// <summary>
    /// <paramref name="start"/> + the 8 integer dots of one group: weight register k against the 32 activation bytes
    /// at <paramref name="x"/> + 32k, block i's whole sum in lane i. With <see cref="IQ8WeightBlocks.ShortSums"/>, the
    /// 8 vpmaddubsw pair sums are added in 16-bit lanes and widened once (9 multiplies instead of 16); else two chains
    /// of <see cref="IQ8WeightBlocks.Dot"/>. Integer sums are exact, so either gives the same ints.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot8<TBlocks>(Vector256<int> start, Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3,
        Vector256<sbyte> w4, Vector256<sbyte> w5, Vector256<sbyte> w6, Vector256<sbyte> w7, sbyte* x)
        where TBlocks : struct, IQ8WeightBlocks
    {
        if (TBlocks.ShortSums)
            return start + KernelHelpers.NibbleDots8(w0, w1, w2, w3, w4, w5, w6, w7, x);
        var p = TBlocks.Dot(start, w0, Vector256.Load(x));
        var q = TBlocks.Dot(default, w1, Vector256.Load(x + 32));
        p = TBlocks.Dot(p, w2, Vector256.Load(x + 64));
        q = TBlocks.Dot(q, w3, Vector256.Load(x + 96));
        p = TBlocks.Dot(p, w4, Vector256.Load(x + 128));
        q = TBlocks.Dot(q, w5, Vector256.Load(x + 160));
        p = TBlocks.Dot(p, w6, Vector256.Load(x + 192));
        q = TBlocks.Dot(q, w7, Vector256.Load(x + 224));
        return p + q;
    }

    /// <summary><see cref="Dot8{TBlocks}"/> for two rows' groups (a, b) against the same activations, each activation load feeding both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot8Paired<TBlocks>(Vector256<int> start,
        Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3, Vector256<sbyte> a4, Vector256<sbyte> a5, Vector256<sbyte> a6, Vector256<sbyte> a7,
        Vector256<sbyte> b0, Vector256<sbyte> b1, Vector256<sbyte> b2, Vector256<sbyte> b3, Vector256<sbyte> b4, Vector256<sbyte> b5, Vector256<sbyte> b6, Vector256<sbyte> b7,
        sbyte* x, out Vector256<int> sa, out Vector256<int> sb)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var x0 = Vector256.Load(x);
        var x1 = Vector256.Load(x + 32);
        if (TBlocks.ShortSums)
        {
            var s = KernelHelpers.Pairs(a0, x0) + KernelHelpers.Pairs(a1, x1);
            var ss = KernelHelpers.Pairs(b0, x0) + KernelHelpers.Pairs(b1, x1);
            x0 = Vector256.Load(x + 64);
            x1 = Vector256.Load(x + 96);
            s += KernelHelpers.Pairs(a2, x0) + KernelHelpers.Pairs(a3, x1);
            ss += KernelHelpers.Pairs(b2, x0) + KernelHelpers.Pairs(b3, x1);
            x0 = Vector256.Load(x + 128);
            x1 = Vector256.Load(x + 160);
            s += KernelHelpers.Pairs(a4, x0) + KernelHelpers.Pairs(a5, x1);
            ss += KernelHelpers.Pairs(b4, x0) + KernelHelpers.Pairs(b5, x1);
            x0 = Vector256.Load(x + 192);
            x1 = Vector256.Load(x + 224);
            s += KernelHelpers.Pairs(a6, x0) + KernelHelpers.Pairs(a7, x1);
            ss += KernelHelpers.Pairs(b6, x0) + KernelHelpers.Pairs(b7, x1);
            sa = start + KernelHelpers.WidenPairs(s);
            sb = start + KernelHelpers.WidenPairs(ss);
            return;
        }
        var p = TBlocks.Dot(start, a0, x0);
        var pp = TBlocks.Dot(start, b0, x0);
        var q = TBlocks.Dot(default, a1, x1);
        var qq = TBlocks.Dot(default, b1, x1);
        x0 = Vector256.Load(x + 64);
        x1 = Vector256.Load(x + 96);
        p = TBlocks.Dot(p, a2, x0);
        pp = TBlocks.Dot(pp, b2, x0);
        q = TBlocks.Dot(q, a3, x1);
        qq = TBlocks.Dot(qq, b3, x1);
        x0 = Vector256.Load(x + 128);
        x1 = Vector256.Load(x + 160);
        p = TBlocks.Dot(p, a4, x0);
        pp = TBlocks.Dot(pp, b4, x0);
        q = TBlocks.Dot(q, a5, x1);
        qq = TBlocks.Dot(qq, b5, x1);
        x0 = Vector256.Load(x + 192);
        x1 = Vector256.Load(x + 224);
        p = TBlocks.Dot(p, a6, x0);
        pp = TBlocks.Dot(pp, b6, x0);
        q = TBlocks.Dot(q, a7, x1);
        qq = TBlocks.Dot(qq, b7, x1);
        sa = p + q;
        sb = pp + qq;
    }

    /// <summary>
    /// Adds the blocks after the last whole group one by one and writes the row's products, y[v × yStride]; with
    /// <paramref name="clear"/>, zeroes the 256-bit accumulators for the next row. A wide format's 512-bit accumulators
    /// (<paramref name="wideAcc"/>) are folded into the 256-bit ones first; they need no clearing, since a row's first
    /// wide group writes them. Rows whose blocks all lie in wide groups never come here: <see cref="Run{TBlocks}"/>
    /// takes their sums straight from the 512-bit accumulators (<see cref="Q8WideTiles.StoreSums"/>), what the fold into
    /// cleared 256-bit accumulators gives but for the sign of a zero sum, at half the work per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Finish<TBlocks>(byte* row, byte* xt, int t, Shape s, Vector256<float>* acc, Vector512<float>* wideAcc, float* y, long yStride, bool clear)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var tail = stackalloc float[Tile];
        for (var v = 0; v < t; v++)
            tail[v] = 0;
        for (var b = s.Groups * GroupBlocks; b < s.Blocks; b++)
        {
            var blk = row + b * TBlocks.BlockBytes;
            var wv = TBlocks.LoadBlock(blk);
            var dw = Fp16.Read(blk);
            var xb = xt + b * Qk;
            var bs = s.ScaleRel + b * (sizeof(float) - Qk);
            var bi = s.StartRel + b * (sizeof(int) - Qk);
            for (var v = 0; v < t; v++, xb += s.XStride)
            {
                var sum = Vector256.Sum(TBlocks.Dot(default, wv, Vector256.Load((sbyte*)xb))) + (TBlocks.HasStart ? *(int*)(xb + bi) : 0);
                tail[v] = MathF.FusedMultiplyAdd(sum, dw * *(float*)(xb + bs), tail[v]);
            }
        }
        // The wide accumulators hold the row's sums only where it has wide groups (the first one writes them).
        if (TBlocks.Wide && Q8WideGroups(s.Blocks * Qk) > 0)
        {
            for (var v = 0; v < t; v++)
                acc[v] = Q8WideTiles.Fold(wideAcc[v]) + acc[v];
        }
        KernelHelpers.StoreSums(acc, tail, t, y, yStride);
        if (clear)
            new Span<Vector256<float>>(acc, t).Clear();
    }

    /// <summary>
    /// <paramref name="tail"/> + block <paramref name="b"/>'s product (after the whole groups) of <paramref name="row"/>
    /// with the vector at <paramref name="x"/>: the operations <see cref="Finish{TBlocks}"/> adds a block with, for one
    /// vector. Finish keeps its own loop, which loads each block once for all the tile's vectors: with this helper in
    /// it, the batched Q4_0 products ran 2-3 % slower on Zen 4 even for rows with no such blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float AddBlock<TBlocks>(byte* row, byte* x, Shape s, int b, float tail)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var blk = row + b * TBlocks.BlockBytes;
        var xb = x + b * Qk;
        var sum = Vector256.Sum(TBlocks.Dot(default, TBlocks.LoadBlock(blk), Vector256.Load((sbyte*)xb)))
            + (TBlocks.HasStart ? *(int*)(xb + s.StartRel + b * (sizeof(int) - Qk)) : 0);
        return MathF.FusedMultiplyAdd(sum, Fp16.Read(blk) * *(float*)(xb + s.ScaleRel + b * (sizeof(float) - Qk)), tail);
    }

    /// <summary>
    /// What the loops need of a product's shape. ScaleRel and StartRel lead from a vector's current group (or block) of
    /// values to its scales and start ints, so one pointer walks the tile with no address arithmetic beyond one add.
    /// </summary>
    private readonly struct Shape(int n, long xStride, int blockBytes, int startOffset)
    {
        public readonly int Blocks = n / Qk;
        public readonly int Groups = n / Qk / GroupBlocks;
        public readonly long XStride = xStride;
        public readonly long ScaleRel = Q8ScalesOffset(n);
        public readonly long StartRel = startOffset;
        public readonly int BlockBytes = blockBytes;
    }
}
