using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>How the activation side of a product is held for one weight type.</summary>
internal enum ActivationFormat
{
    /// <summary>Plain floats (F32, F16, BF16 weights).</summary>
    Float,

    /// <summary>ggml's Q8_0-style blocks for Q8_0 and Q4_0 weights on every path but <see cref="DotPath.Avx512Wide"/>.</summary>
    Q8,

    /// <summary>
    /// <see cref="Q8"/> with its values interleaved in groups of 16 blocks for 512-bit registers (Q8_0 and Q4_0 weights
    /// on <see cref="DotPath.Avx512Wide"/>); the same parts and size.
    /// </summary>
    Q8Wide,

    /// <summary>ggml's Q8_K-style super-blocks for Q4_K and Q6_K weights.</summary>
    Q8K,
}

/// <summary>
/// Activations quantized once per product so the weight kernels can multiply bytes by bytes, as ggml does.
/// One vector of n values is laid out as structure-of-arrays, every part 32-byte aligned when the base is:
/// <list type="bullet">
/// <item><see cref="ActivationFormat.Q8"/>: qs (n signed bytes, interleaved as below), d (n/32 floats), sum (n/32
/// ints, Σ q of the block), −8 × sum and −128 × sum (n/32 ints each: where a kernel that multiplies unsigned
/// weights, nibbles or w + 128, starts its accumulator). Each whole group of 8 blocks (256 values) is stored as 8
/// runs of 32 bytes, run k holding values 4k..4k+3 of blocks 0..7 in turn: a 256-bit integer dot of run k with the
/// weights laid out the same way sums block i in 32-bit lane i, so one conversion and one multiply-add per vector
/// scale 8 blocks (see <see cref="Q8Offset"/>). Blocks after the last whole group keep the plain order.</item>
/// <item><see cref="ActivationFormat.Q8Wide"/>: the same, except that each whole group of 16 blocks (512 values) is
/// stored as 8 runs of 64 bytes, run k holding values 4k..4k+3 of blocks 0..15, so a 512-bit dot sums 16 blocks;
/// the blocks after the last such group are laid out as in Q8.</item>
/// <item><see cref="ActivationFormat.Q8K"/>: qs (n signed bytes, interleaved per super-block of 256, see
/// <see cref="Q8KOffset"/>) and per super-block the parts the K-quant kernels start from (see QuantizedActivations.Q8K.cs).</item>
/// </list>
/// value ≈ d × q with d = max |x| / 127 over the block, q = round(x / d) in −127..127: the error per value is at
/// most d/2, which is the error ggml's own quantized dot products carry.
/// </summary>
internal static unsafe partial class QuantizedActivations
{
    public const int Q8Block = 32;
    public const int Q8KBlock = 256;

    /// <summary>The activation format <paramref name="path"/>'s kernels take for <paramref name="type"/> weights.</summary>
    public static ActivationFormat FormatFor(GgmlType type, DotPath path) => type switch
    {
        GgmlType.Q8_0 or GgmlType.Q4_0 when path == DotPath.Avx512Wide => ActivationFormat.Q8Wide,
        GgmlType.Q8_0 or GgmlType.Q4_0 => ActivationFormat.Q8,
        GgmlType.Q4_K or GgmlType.Q6_K => ActivationFormat.Q8K,
        _ => ActivationFormat.Float,
    };

    /// <summary>Bytes one quantized vector of <paramref name="n"/> values takes (a multiple of 32).</summary>
    public static long VectorBytes(ActivationFormat format, int n) => format switch
    {
        ActivationFormat.Q8 or ActivationFormat.Q8Wide => n + (long)(n / Q8Block) * (4 + 4 + 4 + 4),
        ActivationFormat.Q8K => n + (long)(n / Q8KBlock) * Q8KExtraBytes,
        _ => (long)n * sizeof(float),
    } is var b ? (b + 31) & ~31L : 0;

    // Offsets of the parts inside one vector.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Q8Scales(byte* v, int n) => (float*)(v + Q8ScalesOffset(n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int* Q8Sums(byte* v, int n) => (int*)(v + n + 4 * (n / Q8Block));

    /// <summary>−8 × Σ q per block: the Q4_0 kernels' accumulator start (nibbles 0..15 for q − 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int* Q8Neg8Sums(byte* v, int n) => (int*)(v + Q8Neg8SumsOffset(n));

    /// <summary>−128 × Σ q per block: the Q8_0 kernels' accumulator start where they take w + 128 (VNNI, and the split AVX2 and Avx512Wide tiles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int* Q8Neg128Sums(byte* v, int n) => (int*)(v + Q8Neg128SumsOffset(n));

    /// <summary>Byte offset of the block scales in a Q8 vector of <paramref name="n"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8ScalesOffset(int n) => n;

    /// <summary>Byte offset of the −8 × Σ q ints in a Q8 vector of <paramref name="n"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8Neg8SumsOffset(int n) => n + 8 * (n / Q8Block);

    /// <summary>Byte offset of the −128 × Σ q ints in a Q8 vector of <paramref name="n"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8Neg128SumsOffset(int n) => n + 12 * (n / Q8Block);

    /// <summary>Blocks of 32 per interleaved group in the Q8 layout.</summary>
    public const int Q8GroupBlocks = 8;

    /// <summary>
    /// Where value <paramref name="e"/> (0..31) of block <paramref name="b"/> lies among the qs of a Q8 vector of
    /// <paramref name="n"/> values: inside a whole group of 8 blocks, at run e/4, lane b mod 8; after it, in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8Offset(int b, int e, int n)
    {
        var grouped = n / (Q8Block * Q8GroupBlocks) * Q8GroupBlocks;
        return b < grouped
            ? (b / Q8GroupBlocks) * (Q8Block * Q8GroupBlocks) + (e >> 2) * 32 + (b % Q8GroupBlocks) * 4 + (e & 3)
            : b * Q8Block + e;
    }

    /// <summary>Blocks of 32 per interleaved group in the <see cref="ActivationFormat.Q8Wide"/> layout.</summary>
    public const int Q8WideGroupBlocks = 16;

    /// <summary>Whole groups of 16 blocks in a <see cref="ActivationFormat.Q8Wide"/> vector of <paramref name="n"/> values.</summary>
    public static int Q8WideGroups(int n) => n / (Q8Block * Q8WideGroupBlocks);

    /// <summary>
    /// <see cref="Q8Offset(int, int, int)"/>, or with <paramref name="wide"/> the <see cref="ActivationFormat.Q8Wide"/>
    /// layout: inside a whole group of 16 blocks, at run e/4 of 64 bytes, lane b mod 16; after the last, as in Q8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8Offset(int b, int e, int n, bool wide) =>
        wide && b < Q8WideGroups(n) * Q8WideGroupBlocks
            ? (b / Q8WideGroupBlocks) * (Q8Block * Q8WideGroupBlocks) + (e >> 2) * 64 + (b % Q8WideGroupBlocks) * 4 + (e & 3)
            : Q8Offset(b, e, n);

    /// <summary>Values <paramref name="e"/>..<paramref name="e"/>+15 of block <paramref name="b"/> (e = 0 or 16), in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Q8Load16(sbyte* qs, int b, int e, int n)
    {
        var p = qs + Q8Offset(b, e, n);
        if (b >= n / (Q8Block * Q8GroupBlocks) * Q8GroupBlocks)
            return Vector128.Load(p);
        return Vector128.Create(*(int*)p, *(int*)(p + 32), *(int*)(p + 64), *(int*)(p + 96)).AsSByte();
    }

    /// <summary>Whether this CPU quantizes by groups of 8 blocks (QuantizedActivations.Groups.cs), ten times faster than block by block.</summary>
    public static bool QuantizesByGroups => Avx2.IsSupported;

    /// <summary>
    /// Quantizes <paramref name="n"/> floats (a multiple of 32) into the Q8 layout at <paramref name="dst"/>, or with
    /// <paramref name="wide"/> the <see cref="ActivationFormat.Q8Wide"/> one. Whole groups of 8 blocks go through
    /// <see cref="QuantizeGroup8"/> where <see cref="QuantizesByGroups"/> (unless <paramref name="vectorized"/> is
    /// false, as the tests that hold it to the block-by-block code ask); the rest block by block, with the same results.
    /// </summary>
    public static void QuantizeQ8(float* x, int n, byte* dst, bool wide = false, bool vectorized = true)
    {
        var qs = (sbyte*)dst;
        var ds = Q8Scales(dst, n);
        var sums = Q8Sums(dst, n);
        var neg8 = Q8Neg8Sums(dst, n);
        var neg128 = Q8Neg128Sums(dst, n);
        var grouped = n / (Q8Block * Q8GroupBlocks) * Q8GroupBlocks;
        var wideBlocks = wide ? Q8WideGroups(n) * Q8WideGroupBlocks : 0;
        vectorized &= QuantizesByGroups;
        var run = stackalloc sbyte[Q8Block];
        for (var b = 0; b < n / Q8Block; b++)
        {
            var xb = x + b * Q8Block;
            if (vectorized && b < grouped && b % Q8GroupBlocks == 0
                && QuantizeGroup8(xb, qs + Q8Offset(b, 0, n, wide), b < wideBlocks ? 64 : 32, ds + b, sums + b, neg8 + b, neg128 + b))
            {
                b += Q8GroupBlocks - 1;
                continue;
            }
            var q = b < grouped ? run : qs + b * Q8Block;
            ds[b] = QuantizeRun(xb, Q8Block, q);
            var total = 0;
            for (var j = 0; j < Q8Block; j++)
                total += q[j];
            sums[b] = total;
            neg8[b] = -8 * total;
            neg128[b] = -128 * total;
            if (b < grouped)
            {
                // Run k of the group gets values 4k..4k+3 of this block at lane b mod 8 (mod 16 in a wide group).
                var dst32 = (int*)(qs + Q8Offset(b, 0, n, wide));
                var lanes = b < wideBlocks ? Q8WideGroupBlocks : Q8GroupBlocks;
                for (var k = 0; k < 8; k++)
                    dst32[lanes * k] = ((int*)q)[k];
            }
        }
    }

    /// <summary>Quantizes one activation vector for <paramref name="format"/>; Float copies.</summary>
    public static void Quantize(ActivationFormat format, float* x, int n, byte* dst)
    {
        switch (format)
        {
            case ActivationFormat.Q8:
                QuantizeQ8(x, n, dst);
                break;
            case ActivationFormat.Q8Wide:
                QuantizeQ8(x, n, dst, wide: true);
                break;
            case ActivationFormat.Q8K:
                QuantizeQ8K(x, n, dst);
                break;
            default:
                Buffer.MemoryCopy(x, dst, (long)n * sizeof(float), (long)n * sizeof(float));
                break;
        }
    }

    /// <summary>
    /// One scale for <paramref name="len"/> values (a multiple of 32): d = max |x| / 127, q = round-to-even(x / d).
    /// Returns d (0 for an all-zero run, whose q are all 0).
    /// </summary>
    private static float QuantizeRun(float* x, int len, sbyte* q)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256<float>.Zero;
            for (var i = 0; i < len; i += 8)
                m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + i)));
            var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
            m4 = Vector128.Max(m4, Vector128.Shuffle(m4, Vector128.Create(2, 3, 0, 1)));
            m4 = Vector128.Max(m4, Vector128.Shuffle(m4, Vector128.Create(1, 0, 3, 2)));
            var amax = m4.ToScalar();
            var d = amax / 127;
            var id = Vector256.Create(amax != 0 ? 127 / amax : 0f);
            for (var i = 0; i < len; i += 32)
            {
                var i0 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i) * id));
                var i1 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 8) * id));
                var i2 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 16) * id));
                var i3 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 24) * id));
                Vector256.Narrow(Vector256.Narrow(i0, i1), Vector256.Narrow(i2, i3)).Store(q + i);
            }
            return d;
        }
        else
        {
            var amax = 0f;
            for (var i = 0; i < len; i++)
                amax = MathF.Max(amax, MathF.Abs(x[i]));
            var d = amax / 127;
            var id = amax != 0 ? 127 / amax : 0f;
            for (var i = 0; i < len; i++)
                q[i] = (sbyte)(int)MathF.Round(x[i] * id);
            return d;
        }
    }
}
