using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The 512-bit part of <see cref="Q8Tiles"/> for block formats with <see cref="IQ8WeightBlocks.Wide"/> (Q4_0 and
/// Q8_0 on <see cref="DotPath.Avx512Wide"/>): each whole group of 16 blocks of a row is loaded once per tile into 8
/// registers laid out as <see cref="ActivationFormat.Q8Wide"/> stores the activations, and per vector 8 vpmaddubsw,
/// 7 short additions and one widening leave block i's whole sum in lane i; one conversion and one multiply-add by the
/// 16 blocks' scales finish the group into a 512-bit accumulator. That is 20 operations per vector and 16 blocks for
/// Q4_0's nibbles, on two ports, where the 256-bit short sums take 40 and the 256-bit vpdpbusd tile 22. Q8_0's bytes
/// (<see cref="IQ8WeightBlocks.SplitBytes"/>) take 16 registers, a low and a high nibble of each w + 128, and two such
/// sums, the high one widened by 16: 37 operations, where the 256-bit split takes 74. The accumulator's halves are
/// added to the 256-bit one (<see cref="Fold"/>) once per row, whatever the batch, so batching never changes a product.
/// A row's first group writes its accumulators (the product: what the multiply-add into zero gives, but for the sign of
/// a zero, which no batch size changes either) instead of adding to cleared ones: a row then costs no clearing, and one
/// whose blocks all lie in wide groups (2048 or 5632 columns) is summed straight from them (<see cref="StoreSums"/>). On the 2-core Zen 4 that made the 16-vector Q4_0
/// tile about 9 % faster at 2048 columns (docs/BENCHMARKS.md). Where several tiles pass over the same rows (a
/// prompt's 128 vectors in 8 tiles of 16), <see cref="Q8Tiles"/> first packs each chunk of rows (<see cref="Pack{TBlocks}"/>:
/// the groups transposed, the scales converted) and every tile loads them ready; that made 64 and 128 vectors 4–10 % faster
/// on the 2-core Zen 4, where a single tile packing first was slower (docs/BENCHMARKS.md, 2026-11-22, "a prompt's
/// rows packed once").
/// </summary>
internal static unsafe class Q8WideTiles
{
    private const int Qk = Q8Block;
    private const int GroupBlocks = Q8WideGroupBlocks;

    /// <summary>Bytes of one wide group packed (<see cref="Pack{TBlocks}"/>): its values, then its 16 scales as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PackedGroupBytes<TBlocks>()
        where TBlocks : struct, IQ8WeightBlocks => (TBlocks.WideRegisters + 1) * 64;

    /// <summary>
    /// Packs the first <paramref name="groups"/> wide groups of <paramref name="row"/> to <paramref name="packed"/> (64-byte
    /// aligned), <see cref="PackedGroupBytes{TBlocks}"/> each: the values transposed into the wide group layout
    /// (<see cref="IQ8WeightBlocks.PackWideGroup"/>) and the binary16 scales converted, so that every tile of vectors
    /// that passes over the row loads them ready instead of transposing and converting them again. Asks for the blocks
    /// <paramref name="ahead"/> bytes on (0: not at all).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack<TBlocks>(byte* row, int groups, byte* packed, long ahead)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        var valueBytes = TBlocks.WideRegisters * 64;
        for (var g = 0; g < groups; g++, packed += PackedGroupBytes<TBlocks>())
        {
            var blk = row + g * GroupBlocks * TBlocks.BlockBytes;
            if (ahead != 0)
                KernelHelpers.PrefetchLines(blk + ahead, GroupBlocks * TBlocks.BlockBytes);
            TBlocks.PackWideGroup(blk, packed);
            Scales16<TBlocks>(blk, offsets).Store((float*)(packed + valueBytes));
        }
    }

    /// <summary>
    /// acc[v] += Σ over wide groups g0..g1−1 (of 16 blocks) of one row of Σ_i d_w d_x Σ w x, per lane i (block of the
    /// group), for the <paramref name="t"/> vectors from <paramref name="xt"/>, each <paramref name="stride"/> bytes on;
    /// group 0, the row's first, writes acc[v] instead of adding to it. The groups come from the blocks of
    /// <paramref name="row"/>, or, with <see cref="RowSource.Packed"/>, from the row's packed groups at <paramref name="packed"/>
    /// (<see cref="Pack{TBlocks}"/>): the same values and scales. Group g asks for the bytes at <paramref name="ask"/> +
    /// g × the group's bytes in the matrix (null: none): in place, the weights ahead of the group; packed, the same group
    /// of a row in the next chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Groups<TBlocks, TSource>(byte* row, byte* packed, byte* xt, int t, long stride, long scaleRel, long startRel, int g0, int g1, Vector512<float>* acc, byte* ask)
        where TBlocks : struct, IQ8WeightBlocks
        where TSource : struct, IRowSource
    {
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        for (var g = g0; g < g1; g++)
        {
            if (ask != null)
                KernelHelpers.PrefetchLines(ask + g * GroupBlocks * TBlocks.BlockBytes, GroupBlocks * TBlocks.BlockBytes);
            LoadGroup<TBlocks, TSource>(row, packed, g, offsets, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7,
                out var h0, out var h1, out var h2, out var h3, out var h4, out var h5, out var h6, out var h7, out var dw);
            var xg = xt + g * GroupBlocks * Qk;
            var gs = scaleRel + g * GroupBlocks * (sizeof(float) - Qk);
            var gi = startRel + g * GroupBlocks * (sizeof(int) - Qk);
            var a = acc;
            for (var end = a + t; a < end; a++, xg += stride)
            {
                var c = Avx512F.ConvertToVector512Single(VectorSum<TBlocks>(xg, gi, w0, w1, w2, w3, w4, w5, w6, w7, h0, h1, h2, h3, h4, h5, h6, h7));
                var sc = dw * Vector512.Load((float*)(xg + gs));
                *a = g == 0 ? c * sc : Avx512F.FusedMultiplyAdd(c, sc, *a);
            }
        }
    }

    /// <summary>
    /// One row's product with one vector (<paramref name="x"/>) over its first <paramref name="groups"/> wide groups, in a
    /// register: what <see cref="Groups{TBlocks, TSource}"/> leaves in acc[0] for a tile of one vector over groups 0..groups−1,
    /// with the same operations in the same order, so a vector alone gets the sums it gets in any tile. For
    /// <see cref="Q8Tiles"/>' one-vector rows (decode), which keep the whole row's sums in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SingleVector<TBlocks>(byte* row, byte* x, long scaleRel, long startRel, int groups, long ahead, Vector256<int> offsets)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var acc = Vector512<float>.Zero;
        var xg = x;
        for (var g = 0; g < groups; g++, xg += GroupBlocks * Qk)
        {
            var blk = row + g * GroupBlocks * TBlocks.BlockBytes;
            if (ahead != 0)
                KernelHelpers.PrefetchLines(blk + ahead, GroupBlocks * TBlocks.BlockBytes);
            LoadGroup<TBlocks>(blk, out var w0, out var w1, out var w2, out var w3, out var w4, out var w5, out var w6, out var w7,
                out var h0, out var h1, out var h2, out var h3, out var h4, out var h5, out var h6, out var h7);
            var dw = Scales16<TBlocks>(blk, offsets);
            var gs = scaleRel + g * GroupBlocks * (sizeof(float) - Qk);
            var gi = startRel + g * GroupBlocks * (sizeof(int) - Qk);
            var c = Avx512F.ConvertToVector512Single(VectorSum<TBlocks>(xg, gi, w0, w1, w2, w3, w4, w5, w6, w7, h0, h1, h2, h3, h4, h5, h6, h7));
            var sc = dw * Vector512.Load((float*)(xg + gs));
            acc = g == 0 ? c * sc : Avx512F.FusedMultiplyAdd(c, sc, acc);
        }
        return acc;
    }

    /// <summary>
    /// Wide group <paramref name="g"/>'s weight registers and scales (<paramref name="dw"/>), from the row's blocks or,
    /// for <see cref="RowSource.Packed"/>, from its packed groups at <paramref name="packed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadGroup<TBlocks, TSource>(byte* row, byte* packed, int g, Vector256<int> offsets,
        out Vector512<sbyte> w0, out Vector512<sbyte> w1, out Vector512<sbyte> w2, out Vector512<sbyte> w3,
        out Vector512<sbyte> w4, out Vector512<sbyte> w5, out Vector512<sbyte> w6, out Vector512<sbyte> w7,
        out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
        out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7, out Vector512<float> dw)
        where TBlocks : struct, IQ8WeightBlocks
        where TSource : struct, IRowSource
    {
        if (TSource.Packed)
        {
            var pg = packed + g * PackedGroupBytes<TBlocks>();
            TBlocks.LoadPackedWideGroup(pg, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7, out h0, out h1, out h2, out h3, out h4, out h5, out h6, out h7);
            dw = Vector512.Load((float*)(pg + TBlocks.WideRegisters * 64));
            return;
        }
        var blk = row + g * GroupBlocks * TBlocks.BlockBytes;
        LoadGroup<TBlocks>(blk, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7, out h0, out h1, out h2, out h3, out h4, out h5, out h6, out h7);
        dw = Scales16<TBlocks>(blk, offsets);
    }

    /// <summary>A wide group's weight registers: 8 of nibbles, or for split formats 8 of low and 8 of high nibbles (else the h's are zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadGroup<TBlocks>(byte* blk, out Vector512<sbyte> w0, out Vector512<sbyte> w1, out Vector512<sbyte> w2, out Vector512<sbyte> w3,
        out Vector512<sbyte> w4, out Vector512<sbyte> w5, out Vector512<sbyte> w6, out Vector512<sbyte> w7,
        out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
        out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7)
        where TBlocks : struct, IQ8WeightBlocks
    {
        if (TBlocks.SplitBytes)
        {
            TBlocks.LoadWideSplitGroup(blk, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7, out h0, out h1, out h2, out h3, out h4, out h5, out h6, out h7);
            return;
        }
        TBlocks.LoadWideGroup(blk, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);
        h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = default;
    }

    /// <summary>
    /// One vector's 16 block sums for a wide group (lane i block i's), from its group of values at <paramref name="xg"/>
    /// and its start ints <paramref name="gi"/> bytes on: the start plus the dots, the high nibbles' times 16 for split formats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> VectorSum<TBlocks>(byte* xg, long gi,
        Vector512<sbyte> w0, Vector512<sbyte> w1, Vector512<sbyte> w2, Vector512<sbyte> w3, Vector512<sbyte> w4, Vector512<sbyte> w5, Vector512<sbyte> w6, Vector512<sbyte> w7,
        Vector512<sbyte> h0, Vector512<sbyte> h1, Vector512<sbyte> h2, Vector512<sbyte> h3, Vector512<sbyte> h4, Vector512<sbyte> h5, Vector512<sbyte> h6, Vector512<sbyte> h7)
        where TBlocks : struct, IQ8WeightBlocks
    {
        var start = TBlocks.HasStart ? Vector512.Load((int*)(xg + gi)) : default;
        return TBlocks.SplitBytes
            ? start + Dots(w0, w1, w2, w3, w4, w5, w6, w7, (sbyte*)xg) + Dots(h0, h1, h2, h3, h4, h5, h6, h7, (sbyte*)xg, 16)
            : start + Dots(w0, w1, w2, w3, w4, w5, w6, w7, (sbyte*)xg);
    }

    /// <summary>
    /// <see cref="Groups{TBlocks, TSource}"/> for two consecutive rows at once (unsplit formats only: split ones keep 16
    /// registers per row), each activation load feeding both rows' dots, each row with exactly the same operations.
    /// The second row is <paramref name="rowBytes"/> on from the first, and its packed groups (with
    /// <see cref="RowSource.Packed"/>) <paramref name="packedRowBytes"/> on from the first's. Group g asks for the bytes at
    /// <paramref name="ask"/> + g × the group's bytes, and <paramref name="rowBytes"/> after them (null: neither).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GroupsPaired<TBlocks, TSource>(byte* row, long rowBytes, byte* packed, long packedRowBytes, byte* xt, int t, long stride, long scaleRel, long startRel,
        int g0, int g1, Vector512<float>* acc, Vector512<float>* accB, byte* ask)
        where TBlocks : struct, IQ8WeightBlocks
        where TSource : struct, IRowSource
    {
        var offsets = KernelHelpers.Offsets8(TBlocks.BlockBytes);
        for (var g = g0; g < g1; g++)
        {
            if (ask != null)
            {
                KernelHelpers.PrefetchLines(ask + g * GroupBlocks * TBlocks.BlockBytes, GroupBlocks * TBlocks.BlockBytes);
                KernelHelpers.PrefetchLines(ask + rowBytes + g * GroupBlocks * TBlocks.BlockBytes, GroupBlocks * TBlocks.BlockBytes);
            }
            LoadGroup<TBlocks, TSource>(row, packed, g, offsets, out var a0, out var a1, out var a2, out var a3, out var a4, out var a5, out var a6, out var a7,
                out _, out _, out _, out _, out _, out _, out _, out _, out var da);
            LoadGroup<TBlocks, TSource>(row + rowBytes, packed + packedRowBytes, g, offsets,
                out var b0, out var b1, out var b2, out var b3, out var b4, out var b5, out var b6, out var b7,
                out _, out _, out _, out _, out _, out _, out _, out _, out var db);
            var xg = xt + g * GroupBlocks * Qk;
            var gs = scaleRel + g * GroupBlocks * (sizeof(float) - Qk);
            var gi = startRel + g * GroupBlocks * (sizeof(int) - Qk);
            var pa = acc;
            var pb = accB;
            for (var end = pa + t; pa < end; pa++, pb++, xg += stride)
            {
                var start = TBlocks.HasStart ? Vector512.Load((int*)(xg + gi)) : default;
                var x = (sbyte*)xg;
                // One load of each activation run for both rows: the dots as Dots adds them, in the same order.
                var x0 = Vector512.Load(x);
                var x1 = Vector512.Load(x + 64);
                var sa = Pairs(a0, x0) + Pairs(a1, x1);
                var sb = Pairs(b0, x0) + Pairs(b1, x1);
                x0 = Vector512.Load(x + 128);
                x1 = Vector512.Load(x + 192);
                var ta = Pairs(a2, x0) + Pairs(a3, x1);
                var tb = Pairs(b2, x0) + Pairs(b3, x1);
                x0 = Vector512.Load(x + 256);
                x1 = Vector512.Load(x + 320);
                var ua = Pairs(a4, x0) + Pairs(a5, x1);
                var ub = Pairs(b4, x0) + Pairs(b5, x1);
                x0 = Vector512.Load(x + 384);
                x1 = Vector512.Load(x + 448);
                var va = Pairs(a6, x0) + Pairs(a7, x1);
                var vb = Pairs(b6, x0) + Pairs(b7, x1);
                var suma = start + Avx512BW.MultiplyAddAdjacent((sa + ta) + (ua + va), Vector512<short>.One);
                var sumb = start + Avx512BW.MultiplyAddAdjacent((sb + tb) + (ub + vb), Vector512<short>.One);
                var dx = Vector512.Load((float*)(xg + gs));
                var ca = Avx512F.ConvertToVector512Single(suma);
                var cb = Avx512F.ConvertToVector512Single(sumb);
                if (g == 0)
                {
                    *pa = ca * (da * dx);
                    *pb = cb * (db * dx);
                }
                else
                {
                    *pa = Avx512F.FusedMultiplyAdd(ca, da * dx, *pa);
                    *pb = Avx512F.FusedMultiplyAdd(cb, db * dx, *pb);
                }
            }
        }
    }

    /// <summary>The binary16 scales of the 16 blocks from <paramref name="blk"/> as floats, lane i block i's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scales16<TBlocks>(byte* blk, Vector256<int> offsets)
        where TBlocks : struct, IQ8WeightBlocks
    {
        if (TBlocks.BlockBytes == Q4_0Format.BlockBytes && Avx512Vbmi.IsSupported)
            return Fp16.ToSingleMostlyNormal(Q4_0Scales16(blk));
        if (TBlocks.BlockBytes == Q8_0Format.BlockBytes && Avx512Vbmi.IsSupported)
            return Fp16.ToSingleMostlyNormal(Q8_0Scales16(blk));
        // Inserted rather than Vector512.Create(lo, hi), which the JIT builds in a register it keeps from group to group.
        return Avx512F.InsertVector256(KernelHelpers.Scales8(blk, offsets).ToVector512Unsafe(), KernelHelpers.Scales8(blk + 8 * TBlocks.BlockBytes, offsets), 1);
    }

    /// <summary>
    /// <see cref="Q4_0Scales16"/> for 16 Q8_0 blocks (544 bytes, a scale every 34): four permutes, of the 128 bytes from
    /// each 136 (four scales each, the same places in each), and three selects to take lanes 4j..4j+3 from the j-th.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Q8_0Scales16(byte* blk)
    {
        // Lane i takes bytes 34 (i mod 4) and the one after (twice: the upper 16 bits are ignored).
        var index = Vector512.Create(Vector128.Create(0x2322232201000100UL, 0x6766676645444544UL)).AsByte();
        var a = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(blk), index, Vector512.Load(blk + 64));
        var b = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(blk + 136), index, Vector512.Load(blk + 200));
        var c = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(blk + 272), index, Vector512.Load(blk + 336));
        var d = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(blk + 408), index, Vector512.Load(blk + 472));
        var quads = Vector512.Create(-1L, -1, 0, 0, -1, -1, 0, 0).AsByte(); // lanes 0..3 and 8..11
        var ab = Vector512.ConditionalSelect(quads, a, b);
        var cd = Vector512.ConditionalSelect(quads, c, d);
        return Vector512.ConditionalSelect(Vector512.Create(-1L, -1, -1, -1, 0, 0, 0, 0).AsByte(), ab, cd).AsUInt32();
    }

    /// <summary>
    /// The binary16 scales of 16 Q4_0 blocks (288 bytes from <paramref name="blk"/>, a scale every 18) in the low half
    /// of lane i, by two byte permutes (AVX-512 VBMI) of the group's first 128 bytes (scales 0..7) and of its bytes
    /// 144..271 (scales 8..15), never reading past the group. Two 8-lane gathers took about 1.5 cycles per vector and
    /// group of a 16-vector tile on Zen 4, where a gather costs some 20 cycles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Q4_0Scales16(byte* blk)
    {
        // Lanes i and i + 8 take bytes 18 (i mod 8) and the one after (twice: the upper 16 bits are ignored).
        var index = Vector512.Create(Vector256.Create(0x1312131201000100UL, 0x3736373625242524UL, 0x5B5A5B5A49484948UL, 0x7F7E7F7E6D6C6D6CUL)).AsByte();
        var low = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(blk), index, Vector512.Load(blk + 64));
        var high = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(blk + 144), index, Vector512.Load(blk + 208));
        return Vector512.ConditionalSelect(Vector512.Create(-1L, -1, -1, -1, 0, 0, 0, 0).AsByte(), low, high).AsUInt32();
    }

    /// <summary>
    /// y[v × <paramref name="yStride"/>] = the lane sum of <see cref="Fold"/>(acc[v]) for v &lt; <paramref name="t"/>, as
    /// <see cref="KernelHelpers.StoreSums"/> gives it for folded accumulators: for rows whose blocks are all in wide groups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums(Vector512<float>* acc, int t, float* y, long yStride)
    {
        if (t < 4)
        {
            for (var v = 0; v < t; v++)
                y[v * yStride] = Vector256.Sum(Fold(acc[v]));
            return;
        }
        for (var v0 = 0; v0 < t; v0 += 8)
        {
            var a = acc + v0;
            var s8 = KernelHelpers.Sum8(Fold(a[0]), Fold(a[1]), Fold(a[2]), Fold(a[3]), Fold(a[4]), Fold(a[5]), Fold(a[6]), Fold(a[7]));
            var sums = (float*)&s8;
            var m = Math.Min(8, t - v0);
            for (var i = 0; i < m; i++)
                y[(v0 + i) * yStride] = sums[i];
        }
    }

    /// <summary>A row's 512-bit accumulator as 8 lanes: lanes i and i + 8 added, the same way for every batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fold(Vector512<float> a) => a.GetLower() + a.GetUpper();

    /// <summary>
    /// Σ_k vpmaddubsw(w_k, x + 64k) for k = 0..7, added in 16-bit lanes and widened once to ints: lane i holds block
    /// i's sum (times <paramref name="factor"/>). Exact for unsigned weights of 4 bits against |x| ≤ 128 (16 products
    /// of at most 15 × 128 per short).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dots(Vector512<sbyte> w0, Vector512<sbyte> w1, Vector512<sbyte> w2, Vector512<sbyte> w3,
        Vector512<sbyte> w4, Vector512<sbyte> w5, Vector512<sbyte> w6, Vector512<sbyte> w7, sbyte* x, short factor = 1) =>
        Avx512BW.MultiplyAddAdjacent(
            ((Pairs(w0, x) + Pairs(w1, x + 64)) + (Pairs(w2, x + 128) + Pairs(w3, x + 192)))
            + ((Pairs(w4, x + 256) + Pairs(w5, x + 320)) + (Pairs(w6, x + 384) + Pairs(w7, x + 448))),
            Vector512.Create(factor));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Pairs(Vector512<sbyte> w, sbyte* x) => Pairs(w, Vector512.Load(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Pairs(Vector512<sbyte> w, Vector512<sbyte> x) => Avx512BW.MultiplyAddAdjacent(w.AsByte(), x);

    /// <summary>
    /// <see cref="KernelHelpers.TransposeBlocks8"/> for 16 blocks, in the wide group layout: register k holds bytes
    /// 4k..4k+3 of blocks 0..15 in 32-bit lanes 0..15. Lane i (128 bits) of load j holds block j + 4i's 16 bytes, and
    /// the 4×4 transpose in each lane does the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeBlocks16(byte* first, int blockBytes, out Vector512<int> c0, out Vector512<int> c1, out Vector512<int> c2, out Vector512<int> c3) =>
        Transpose4(
            Load4x16(first, blockBytes), Load4x16(first + blockBytes, blockBytes),
            Load4x16(first + 2 * blockBytes, blockBytes), Load4x16(first + 3 * blockBytes, blockBytes),
            out c0, out c1, out c2, out c3);

    /// <summary>
    /// 16 bytes from each of 4 blocks <paramref name="blockBytes"/> × 4 apart, from <paramref name="first"/>: lane i holds
    /// block 4i's. Inserted rather than Vector512.Create(lo, hi), which the JIT builds in a register it keeps from group
    /// to group, spilled and reloaded once per group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Load4x16(byte* first, int blockBytes) => Avx512F.InsertVector256(
        KernelHelpers.Load2x16(first, first + 4 * blockBytes).ToVector512Unsafe(),
        KernelHelpers.Load2x16(first + 8 * blockBytes, first + 12 * blockBytes), 1);

    /// <summary><see cref="KernelHelpers.Transpose4"/> in each of the four 128-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(Vector512<int> r0, Vector512<int> r1, Vector512<int> r2, Vector512<int> r3,
        out Vector512<int> c0, out Vector512<int> c1, out Vector512<int> c2, out Vector512<int> c3)
    {
        var t0 = Avx512F.UnpackLow(r0, r1).AsInt64();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsInt64();
        var t2 = Avx512F.UnpackLow(r2, r3).AsInt64();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsInt64();
        c0 = Avx512F.UnpackLow(t0, t2).AsInt32();
        c1 = Avx512F.UnpackHigh(t0, t2).AsInt32();
        c2 = Avx512F.UnpackLow(t1, t3).AsInt32();
        c3 = Avx512F.UnpackHigh(t1, t3).AsInt32();
    }

    /// <summary>Each byte's low and high nibble (0..15) as bytes in place: b = 16 high + low.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<sbyte> Low, Vector512<sbyte> High) Nibbles(Vector512<byte> b)
    {
        var mask = Vector512.Create((byte)0xF);
        return ((b & mask).AsSByte(), ((b.AsUInt16() >>> 4).AsByte() & mask).AsSByte());
    }
}
