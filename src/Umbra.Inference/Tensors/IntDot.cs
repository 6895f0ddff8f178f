using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The two integer steps the 256-bit quantized kernels are built from, so one kernel body serves AVX2 and
/// AVX-VNNI: the JIT specializes a generic method per struct type argument and inlines these calls.
/// </summary>
internal interface IIntDot
{
    /// <summary>acc + Σ u[4i..4i+3] × s[4i..4i+3] in each 32-bit lane i (u unsigned, s signed bytes).</summary>
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s);

    /// <summary>acc + p[2i] × m[2i] + p[2i+1] × m[2i+1] in each 32-bit lane i (signed shorts).</summary>
    static abstract Vector256<int> DotPairs(Vector256<int> acc, Vector256<short> p, Vector256<short> m);

    /// <summary>
    /// Whether <see cref="Dot"/> is exact for any unsigned byte (0..255) against |s| ≤ 127: true for vpdpbusd,
    /// false for vpmaddubsw, whose 16-bit pair sums saturate above 32767.
    /// </summary>
    static abstract bool FullByteRange { get; }
}

/// <summary>vpmaddubsw + vpmaddwd: the products of a byte pair never saturate for the operands used here (|q| ≤ 127 against unsigned bytes ≤ 128, or ≤ 63 in Q6_K and ≤ 15 in the 4-bit formats).</summary>
internal readonly struct Avx2IntDot : IIntDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        acc + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256<short>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotPairs(Vector256<int> acc, Vector256<short> p, Vector256<short> m) =>
        acc + Avx2.MultiplyAddAdjacent(p, m);

    public static bool FullByteRange => false;
}

/// <summary>vpdpbusd / vpdpwssd: one instruction for what AVX2 needs two or three for.</summary>
internal readonly struct VnniIntDot : IIntDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(acc, u, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotPairs(Vector256<int> acc, Vector256<short> p, Vector256<short> m) =>
        AvxVnni.MultiplyWideningAndAdd(acc, p, m);

    public static bool FullByteRange => true;
}

/// <summary>Helpers shared by the quantized kernels.</summary>
internal static unsafe class KernelHelpers
{
    [ThreadStatic]
    private static byte[]? t_packed;

    /// <summary>
    /// This thread's buffer for packed rows (<see cref="Q8Tiles"/>, <see cref="KTiles"/>), 64-byte aligned, at least
    /// <paramref name="bytes"/> long: allocated (pinned) the first time a thread needs one this large, then reused, so a
    /// step allocates nothing. A thread keeps it while it lives: a pool worker, or a caller that ran a small product
    /// itself; 32 rows of the widest matrix it multiplied (about 200 KiB for Q8_0 at 5632 columns, 220 KiB for Q4_K and
    /// Q6_K).
    /// </summary>
    public static byte* PackBuffer(long bytes)
    {
        var buffer = t_packed;
        if (buffer == null || buffer.Length < bytes + 64)
            t_packed = buffer = GC.AllocateUninitializedArray<byte>(checked((int)(bytes + 64)), pinned: true);
        var p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (byte*)((p + 63) & ~(nint)63);
    }

    /// <summary>
    /// The binary16 scales of 8 consecutive blocks <paramref name="stride"/> bytes apart (the scale first in each
    /// block), as floats: one gather and one vector conversion instead of eight scalar ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Scales8(byte* first, Vector256<int> offsets) =>
        Fp16.ToSingleMostlyNormal(Avx2.GatherVector256((int*)first, offsets, 1).AsUInt32());

    /// <summary>Byte offsets 0, s, 2s, ... 7s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Offsets8(int stride) => Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * stride;

    /// <summary>
    /// Transposes 4×4 32-bit elements within each 128-bit half: out k, element i (i &lt; 4) = in i, element k, and
    /// likewise for the upper halves. With in i = [16 bytes of block i | 16 bytes of block i + 4], out k holds
    /// bytes 4k..4k+3 of blocks 0..7 in lanes 0..7: the weight side of the Q8 group layout.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose4(Vector256<int> r0, Vector256<int> r1, Vector256<int> r2, Vector256<int> r3,
        out Vector256<int> c0, out Vector256<int> c1, out Vector256<int> c2, out Vector256<int> c3)
    {
        var t0 = Avx2.UnpackLow(r0, r1).AsInt64();
        var t1 = Avx2.UnpackHigh(r0, r1).AsInt64();
        var t2 = Avx2.UnpackLow(r2, r3).AsInt64();
        var t3 = Avx2.UnpackHigh(r2, r3).AsInt64();
        c0 = Avx2.UnpackLow(t0, t2).AsInt32();
        c1 = Avx2.UnpackHigh(t0, t2).AsInt32();
        c2 = Avx2.UnpackLow(t1, t3).AsInt32();
        c3 = Avx2.UnpackHigh(t1, t3).AsInt32();
    }

    /// <summary>
    /// 16 bytes from each of 8 blocks <paramref name="blockBytes"/> apart, from <paramref name="first"/>, in the Q8 group
    /// layout: register k holds bytes 4k..4k+3 of blocks 0..7 in 32-bit lanes 0..7 (<see cref="Transpose4"/> of the
    /// blocks paired i and i + 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeBlocks8(byte* first, int blockBytes, out Vector256<int> c0, out Vector256<int> c1, out Vector256<int> c2, out Vector256<int> c3) =>
        Transpose4(
            Load2x16(first, first + 4 * blockBytes), Load2x16(first + blockBytes, first + 5 * blockBytes),
            Load2x16(first + 2 * blockBytes, first + 6 * blockBytes), Load2x16(first + 3 * blockBytes, first + 7 * blockBytes),
            out c0, out c1, out c2, out c3);

    /// <summary>16 bytes at <paramref name="lo"/> and 16 at <paramref name="hi"/> as one 256-bit vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load2x16(byte* lo, byte* hi) =>
        Vector256.Create(Vector128.Load((int*)lo), Vector128.Load((int*)hi));

    /// <summary>
    /// The sums of 8 vectors' lanes, in lanes 0..7: the same bits as 8 calls to Vector256.Sum, which adds
    /// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), so a row's products do not depend on how many vectors are
    /// reduced together; 7 horizontal adds and 2 permutes instead of 8 × 7 operations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sum8(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        // Lane pairs, then pairs of pairs, within each 128-bit half: k0 = [a0..a3 low sums | a0..a3 high sums].
        var k0 = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        var k1 = Avx.HorizontalAdd(Avx.HorizontalAdd(a4, a5), Avx.HorizontalAdd(a6, a7));
        return Avx.Permute2x128(k0, k1, 0x20) + Avx.Permute2x128(k0, k1, 0x31);
    }

    /// <summary>
    /// y[v × <paramref name="yStride"/>] = the lane sum of acc[v] (plus tail[v] when given) for v &lt; <paramref name="t"/>
    /// (at most 16), 8 vectors at a time through <see cref="Sum8"/>. acc must hold 8 readable vectors past each
    /// multiple of 8 below t; lanes past t are reduced and dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums(Vector256<float>* acc, float* tail, int t, float* y, long yStride)
    {
        if (t < 4)
        {
            // Too few vectors to pay for the 8-wide reduction; the same sums.
            for (var v = 0; v < t; v++)
                y[v * yStride] = tail == null ? Vector256.Sum(acc[v]) : Vector256.Sum(acc[v]) + tail[v];
            return;
        }
        for (var v0 = 0; v0 < t; v0 += 8)
        {
            var a = acc + v0;
            var s8 = Sum8(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            var sums = (float*)&s8;
            var m = Math.Min(8, t - v0);
            for (var i = 0; i < m; i++)
                y[(v0 + i) * yStride] = tail == null ? sums[i] : sums[i] + tail[v0 + i];
        }
    }

    /// <summary>
    /// Accumulators a row needs for tiles of up to <paramref name="t"/> vectors: t, or t rounded up to 8 from 4 on,
    /// since <see cref="StoreSums"/> then reduces 8 at a time. Sized to the batch, so a few vectors' product (or one
    /// vector's over rows so wide that it spans) does not zero a stack frame sized for 16.
    /// </summary>
    public static int AccumulatorsPerRow(int t) => t < 4 ? t : (t + 7) / 8 * 8;

    /// <summary>
    /// How many of a row's <paramref name="groups"/> (of <paramref name="groupBytes"/> activation bytes per vector) a
    /// tile of <paramref name="t"/> vectors takes in one pass over a chunk of rows: the whole row when the tile's share
    /// of its activations fits in <see cref="TileActivationBytes"/>; else as many as keep that share within it, so it
    /// stays in L1 while the rows stream past, and, given <paramref name="weightGroupBytes"/> (a group's bytes of one
    /// weight row), no more than <see cref="SpanWeightBytes"/> of each row. The span changes only the order in which
    /// rows are visited, never the operations of one row and vector.
    /// </summary>
    public static int SpanGroups(int t, int groupBytes, int groups, int weightGroupBytes = 0)
    {
        groups = Math.Max(groups, 1);
        if ((long)t * groupBytes * groups <= TileActivationBytes)
            return groups;
        var span = TileActivationBytes / (t * groupBytes);
        if (weightGroupBytes > 0 && t >= SpanWeightMinVectors)
            span = Math.Min(span, SpanWeightBytes / weightGroupBytes);
        return Math.Clamp(span, 1, groups);
    }

    /// <summary>A tile's activations per pass: half of a 48 KiB L1, leaving the rest to the weights streaming through.</summary>
    public const int TileActivationBytes = 24 * 1024;

    /// <summary>
    /// Most bytes of each weight row one spanning pass takes (4 groups of Q4_0, 2 of Q8_0). Measured on the 2-core
    /// Xeon (docs/BENCHMARKS.md): 8 vectors of the FFN down product, which span, ran 13 % (Q4_0) and 18 % (Q8_0)
    /// faster than with spans bounded by the activations alone (9 groups), and 16 vectors of Q8_0 up to 10 %.
    /// </summary>
    public const int SpanWeightBytes = 640;

    /// <summary>
    /// The fewest vectors in a tile for <see cref="SpanWeightBytes"/> to apply: measured at 8 and 16. Narrower tiles
    /// span only on very wide rows (one vector from about 19,000 columns on), where short passes were not measured.
    /// </summary>
    public const int SpanWeightMinVectors = 8;

    /// <summary>How far ahead in the matrix the tile loops ask for weights when a tile does not span (see <see cref="PrefetchDistance"/>).</summary>
    public const int PrefetchBytes = 8 * 1024;

    /// <summary>Rows ahead of the one in use whose blocks the tile loops ask for when a tile spans.</summary>
    public const int SpanPrefetchRows = 8;

    /// <summary>
    /// How far past each block (or group of blocks) of row <paramref name="r"/>, and of the row after it when
    /// <paramref name="rows"/> is 2 (two taken together), the first tile's pass asks for weights (<see cref="Q8Tiles"/>, <see cref="KTiles"/>); 0 for
    /// not at all. Without spans, rows follow each other in the matrix: <see cref="PrefetchBytes"/> further on, while
    /// that stays within the part's rows (to <paramref name="r1"/>). With spans, a pass reads only its span of each
    /// row: the same blocks of the row <see cref="SpanPrefetchRows"/> ahead. A core left to the hardware prefetcher
    /// streams weights from memory at about 8 GB/s on the 2-core Xeon. Asked a few lines at a time as the blocks are
    /// used, rather than a whole row (or its span's share) in one burst when the row starts, one vector's products ran
    /// 9–21 % faster and 8 vectors' Q8_0 products 24 % (docs/BENCHMARKS.md).
    /// </summary>
    public static long PrefetchDistance(long rowBytes, int r, int rows, int r1, bool spans) =>
        spans ? (r + rows - 1 + SpanPrefetchRows < r1 ? SpanPrefetchRows * rowBytes : 0)
        : (r + rows) * rowBytes + PrefetchBytes <= r1 * rowBytes ? PrefetchBytes : 0;

    /// <summary>
    /// What a pass from row <paramref name="r"/> needs before <see cref="PrefetchDistance"/>'s requests reach it: with
    /// spans, the span's <paramref name="bytes"/> from <paramref name="from"/> in each of rows r..r+SpanPrefetchRows−1;
    /// without, the first <see cref="PrefetchBytes"/> from row r. Never past row <paramref name="r1"/>.
    /// </summary>
    public static void PrefetchPassStart(byte* w, long rowBytes, int r, int r1, bool spans, long from, long bytes)
    {
        var end = w + r1 * rowBytes;
        if (!spans)
        {
            PrefetchRow(w + r * rowBytes, PrefetchBytes, end);
            return;
        }
        for (var q = r; q < r + SpanPrefetchRows && q < r1; q++)
            PrefetchRow(w + q * rowBytes + from, bytes, end);
    }

    /// <summary>Requests the <paramref name="bytes"/> from <paramref name="ahead"/> (up to <paramref name="end"/>) into the caches, a line at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchRow(byte* ahead, long bytes, byte* end)
    {
        var stop = ahead + bytes;
        if (stop > end)
            stop = end;
        for (; ahead < stop; ahead += 64)
            Sse.Prefetch0(ahead);
    }

    /// <summary>Requests the lines holding the <paramref name="bytes"/> from <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchLines(byte* at, int bytes)
    {
        for (var p = (byte*)((nint)at & ~(nint)63); p < at + bytes; p += 64)
            Sse.Prefetch0(p);
    }

    /// <summary>
    /// Σ_k vpmaddubsw(w_k, x + 32k) for k = 0..7, added in 16-bit lanes and widened once, by pairs, to ints: lane i
    /// holds the sum of its 4 bytes over all 8 registers (times <paramref name="factor"/>), as 8 chained
    /// <see cref="Avx2IntDot.Dot"/>s would, with 9 multiplies instead of 16. Exact only for unsigned weights of 4 bits
    /// (0..15) against |x| ≤ 128: each short then sums 16 products of at most 15 × 128, 30,720 at most, within a
    /// short's 32,767.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> NibbleDots8(Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3,
        Vector256<sbyte> w4, Vector256<sbyte> w5, Vector256<sbyte> w6, Vector256<sbyte> w7, sbyte* x, short factor = 1) =>
        WidenPairs((Pairs(w0, Vector256.Load(x)) + Pairs(w1, Vector256.Load(x + 32))) + (Pairs(w2, Vector256.Load(x + 64)) + Pairs(w3, Vector256.Load(x + 96)))
            + ((Pairs(w4, Vector256.Load(x + 128)) + Pairs(w5, Vector256.Load(x + 160))) + (Pairs(w6, Vector256.Load(x + 192)) + Pairs(w7, Vector256.Load(x + 224)))), factor);

    /// <summary>Each byte's low and high nibble (0..15) as bytes in place: b = 16 high + low.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<sbyte> Low, Vector256<sbyte> High) Nibbles(Vector256<byte> b)
    {
        var mask = Vector256.Create((byte)0xF);
        return ((b & mask).AsSByte(), ((b.AsUInt16() >>> 4).AsByte() & mask).AsSByte());
    }

    /// <summary>vpmaddubsw: unsigned weight bytes against signed activations, adjacent products summed in 16-bit lanes (saturating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Pairs(Vector256<sbyte> w, Vector256<sbyte> x) => Avx2.MultiplyAddAdjacent(w.AsByte(), x);

    /// <summary>vpmaddwd by <paramref name="factor"/> (ones unless given): adjacent shorts summed into ints, times the factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> WidenPairs(Vector256<short> s, short factor = 1) => Avx2.MultiplyAddAdjacent(s, Vector256.Create(factor));

    /// <summary>|w| as unsigned bytes and x with w's sign, so u × s = w × x for a vpmaddubsw/vpdpbusd (ggml's trick).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> SignOf(Vector256<sbyte> x, Vector256<sbyte> w) => Avx2.Sign(x, w);
}
