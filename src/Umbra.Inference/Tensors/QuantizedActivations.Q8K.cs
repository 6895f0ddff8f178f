using System.Runtime.CompilerServices;

namespace Umbra.Inference.Tensors;

/// <summary>
/// The Q8_K layout, for Q4_K and Q6_K weights. Per super-block of 256 values (one scale d): 8 runs of 32 bytes, run k
/// holding values 4k..4k+3 of the super-block's 32-value sub-blocks in the lane order σ = 0, 2, 4, 6, 1, 3, 5, 7
/// (lane l of run k is sub-block σ(l)). That is the order a super-block's weights fall in once transposed: a Q4_K
/// chunk of 32 bytes holds sub-block 2g in its low nibbles and 2g + 1 in its high ones, so 8 integer dots per vector
/// leave each sub-block's whole sum in one lane, to be weighted by its scale in one multiply. After the values, per
/// super-block: 16 ints, −32 Σ q over each 16-value sub-block in lane order (2σ(l) then 2σ(l) + 1: where a Q6_K
/// accumulator starts, for its q − 32), 8 floats d Σ q over each 32-value sub-block in lane order (what Q4_K's
/// mins multiply), 16 shorts Σ q over each run of 16 in plain order (for the reference kernels), and d.
/// </summary>
internal static unsafe partial class QuantizedActivations
{
    /// <summary>Bytes per super-block after the values: 64 of starts, 32 of sub-block sums, 32 of 16-value sums, 4 of scale.</summary>
    private const int Q8KExtraBytes = 64 + 32 + 32 + 4;

    /// <summary>Byte offset of the Q6_K accumulator starts (16 ints per super-block) in a Q8_K vector of <paramref name="n"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8KStartsOffset(int n) => n;

    /// <summary>Byte offset of the scaled 32-value sub-block sums (8 floats per super-block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8KSubSumsOffset(int n) => n + 64 * (n / Q8KBlock);

    /// <summary>Byte offset of the super-block scales (1 float each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8KScalesOffset(int n) => n + 128 * (n / Q8KBlock);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Q8KScales(byte* v, int n) => (float*)(v + Q8KScalesOffset(n));

    /// <summary>Σ q over each run of 16 values, in plain order: 16 shorts per super-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short* Q8KSums(byte* v, int n) => (short*)(v + n + 96 * (n / Q8KBlock));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int* Q8KStarts(byte* v, int n) => (int*)(v + Q8KStartsOffset(n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Q8KSubSums(byte* v, int n) => (float*)(v + Q8KSubSumsOffset(n));

    /// <summary>The 32-value sub-block in lane <paramref name="lane"/> of a Q8_K run: σ = 0, 2, 4, 6, 1, 3, 5, 7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8KSubBlockOfLane(int lane) => lane < 4 ? 2 * lane : 2 * (lane - 4) + 1;

    /// <summary>Where value <paramref name="e"/> (0..255) of super-block <paramref name="b"/> lies among the values of a Q8_K vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Q8KOffset(int b, int e)
    {
        int sub = e >> 5, pos = e & 31;
        var lane = (sub & 1) == 0 ? sub >> 1 : 4 + (sub >> 1);
        return b * Q8KBlock + (pos >> 2) * 32 + lane * 4 + (pos & 3);
    }

    /// <summary>
    /// Quantizes <paramref name="n"/> floats (a multiple of 256) into the Q8_K layout at <paramref name="dst"/>: each
    /// super-block through <see cref="QuantizeSuperBlock"/> where <see cref="QuantizesByGroups"/> (unless
    /// <paramref name="vectorized"/> is false, as the tests that hold it to this code ask), else as below, with the
    /// same results.
    /// </summary>
    public static void QuantizeQ8K(float* x, int n, byte* dst, bool vectorized = true)
    {
        var ds = Q8KScales(dst, n);
        var bsums = Q8KSums(dst, n);
        var starts = Q8KStarts(dst, n);
        var subSums = Q8KSubSums(dst, n);
        var run = stackalloc sbyte[Q8KBlock];
        var sums = stackalloc int[16];
        vectorized &= QuantizesByGroups;
        for (var b = 0; b < n / Q8KBlock; b++, x += Q8KBlock)
        {
            if (vectorized && QuantizeSuperBlock(x, (sbyte*)(dst + b * Q8KBlock), ds + b, bsums + 16 * b, starts + 16 * b, subSums + 8 * b))
                continue;
            var d = QuantizeRun(x, Q8KBlock, run);
            ds[b] = d;
            for (var j = 0; j < 16; j++)
            {
                var s = 0;
                for (var l = 0; l < 16; l++)
                    s += run[16 * j + l];
                sums[j] = s;
                bsums[16 * b + j] = (short)s;
            }
            var qs = (int*)(dst + b * Q8KBlock);
            for (var lane = 0; lane < 8; lane++)
            {
                var sub = Q8KSubBlockOfLane(lane);
                starts[16 * b + lane] = -32 * sums[2 * sub];
                starts[16 * b + 8 + lane] = -32 * sums[2 * sub + 1];
                subSums[8 * b + lane] = d * (sums[2 * sub] + sums[2 * sub + 1]);
                for (var k = 0; k < 8; k++)
                    qs[8 * k + lane] = ((int*)run)[8 * sub + k];
            }
        }
    }
}
