using System.Runtime.InteropServices;
using Umbra.Inference.Model;

namespace Umbra.Inference.Tests.Model;

/// <summary>
/// The grouped-query attention kernel and the head-by-head one against attention computed directly from the keys
/// and values, laid out in scattered cache blocks as <see cref="KvCache"/> lays them out (keys transposed), on
/// lengths that end mid-block and runs of 1 to 8 query heads (both the 4-wide and the 8-wide kernel, 256-bit and,
/// where the CPU runs it, 512-bit), with the cache in F32 and in F16 (where the direct computation takes the values as the cache rounded them, so the bound
/// stays as tight).
/// </summary>
public unsafe class GroupedAttentionTests
{
    /// <summary>(head size, query heads, length, block size, key-value head).</summary>
    public static TheoryData<int, int, int, int, int> Cases => new()
    {
        { 8, 1, 1, 16, 1 },
        { 64, 4, 37, 16, 1 },
        { 64, 3, 16, 16, 2 },
        { 128, 2, 100, 16, 1 },
        { 32, 1, 5, 16, 0 },
        { 64, 8, 128, 16, 2 },    // the last head of the last block
        { 64, 5, 33, 16, 1 },
        { 128, 7, 64, 16, 1 },
        { 8, 6, 1, 16, 1 },
        { 64, 8, 29, 16, 1 },     // a block ending 13 slots in: a whole vector of 8, then 5
        { 64, 4, 45, 16, 2 },
        { 64, 8, 21, 8, 1 },      // blocks of 8
        { 32, 6, 70, 32, 2 },     // blocks of 32
        { 64, 2, 23, 12, 1 },     // blocks of 12: the grouped kernel does not apply, head by head does
        { 32, 8, 100, 48, 1 },    // blocks of 48: the 512-bit kernel's requests turn from keys to values mid-pass
        { 16, 8, 1, 16, 2 },      // the smallest head the 512-bit kernel takes, one position
        { 72, 8, 50, 16, 1 },     // a head size of 72: 256-bit only, an odd number of 8-wide value slices
        { 80, 3, 47, 16, 2 },
    };

    /// <summary>The cases the 512-bit kernel takes: head and block sizes in 16s.</summary>
    public static TheoryData<int, int, int, int, int> WideCases
    {
        get
        {
            var wide = new TheoryData<int, int, int, int, int>();
            foreach (var c in Cases)
            {
                if ((int)c[0] % 16 == 0 && (int)c[3] % 16 == 0)
                    wide.Add((int)c[0], (int)c[1], (int)c[2], (int)c[3], (int)c[4]);
            }
            return wide;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Grouped_heads_get_what_each_head_gets_alone(int hd, int heads, int length, int blockSize, int kvHead)
    {
        foreach (var type in new[] { KvCacheType.F32, KvCacheType.F16 })
            Attend_matches_direct(type, hd, heads, length, blockSize, kvHead, wide: false);
    }

    [WideAttentionTheory]
    [MemberData(nameof(WideCases))]
    public void The_512_bit_kernel_gets_what_each_head_gets_alone(int hd, int heads, int length, int blockSize, int kvHead)
    {
        Assert.True(GroupedAttention.IsWideSupported(hd, blockSize));
        foreach (var type in new[] { KvCacheType.F32, KvCacheType.F16 })
            Attend_matches_direct(type, hd, heads, length, blockSize, kvHead, wide: true);
    }

    /// <summary>
    /// Runs the head-by-head path and, with <paramref name="wide"/>, the 512-bit grouped kernel, else the 256-bit one
    /// (where the CPU runs it), against the direct computation. The scores rows are exactly <paramref name="length"/>
    /// apart and start as NaN, and a guard of sentinels follows the scores and the outputs: a kernel that wrote past
    /// a row or past its heads would show.
    /// </summary>
    private static void Attend_matches_direct(KvCacheType type, int hd, int heads, int length, int blockSize, int kvHead, bool wide)
    {
        const int kvHeads = 3, guard = 64;
        var kvDim = kvHeads * hd;
        var rng = new Random(hd + heads + length);
        int[] blocks = [5, 2, 7, 0, 3, 6, 1, 4];
        // The logical keys and values, position by position, laid out as the cache lays them out.
        var logicalKeys = Random(rng, length * kvDim);
        var logicalValues = Random(rng, length * kvDim);
        var keys = Random(rng, 8 * blockSize * kvDim); // unused slots hold noise
        var values = Random(rng, 8 * blockSize * kvDim);
        for (var t = 0; t < length; t++)
            for (var h = 0; h < kvHeads; h++)
            {
                var head = blocks[t / blockSize] * blockSize * kvDim + h * blockSize * hd;
                for (var d = 0; d < hd; d++)
                {
                    keys[head + d * blockSize + t % blockSize] = logicalKeys[t * kvDim + h * hd + d];
                    values[head + t % blockSize * hd + d] = logicalValues[t * kvDim + h * hd + d];
                }
            }
        if (type == KvCacheType.F16)
        {
            // What the direct computation sees is what the cache holds.
            Round(logicalKeys);
            Round(logicalValues);
        }
        var keyBytes = MemoryMarshal.AsBytes(keys.AsSpan()).ToArray();
        var valueBytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var keyHalves = Halves(keys);
        var valueHalves = Halves(values);
        if (type == KvCacheType.F16)
        {
            keyBytes = MemoryMarshal.AsBytes(keyHalves.AsSpan()).ToArray();
            valueBytes = MemoryMarshal.AsBytes(valueHalves.AsSpan()).ToArray();
        }
        var q = Random(rng, heads * hd);
        var scale = 1f / MathF.Sqrt(hd);
        var sentinel = BitConverter.Int32BitsToSingle(0x7fc0dead);
        var grouped = new float[heads * hd + guard];
        var scores = new float[GroupedAttention.Heads * length + guard];
        Array.Fill(grouped, sentinel);
        Array.Fill(scores, float.NaN, 0, GroupedAttention.Heads * length);
        Array.Fill(scores, sentinel, GroupedAttention.Heads * length, guard);
        var zero = new float[hd];
        var spare = new float[hd];
        var kernel = wide ? "grouped 512-bit" : "grouped";
        var groupedRuns = wide || GroupedAttention.IsSupported(hd, blockSize);
        if (groupedRuns)
        {
            fixed (float* pq = q, ps = scores, pz = zero, psp = spare, po = grouped)
            fixed (byte* pk = keyBytes, pv = valueBytes)
                GroupedAttention.Attend(pq, heads, hd, pk, pv, type, blocks, blockSize, length, kvDim, kvHead * blockSize * hd, scale, ps, length, po, pz, psp, wide);
            Assert.True(grouped.Skip(heads * hd).All(v => BitConverter.SingleToInt32Bits(v) == 0x7fc0dead), $"{type} {kernel}: an output past the {heads} heads was written");
            Assert.True(scores.Skip(GroupedAttention.Heads * length).All(v => BitConverter.SingleToInt32Bits(v) == 0x7fc0dead), $"{type} {kernel}: a score past the rows was written");
            Assert.True(zero.All(v => v == 0), $"{type} {kernel}: the zero query was written");
        }
        for (var h = 0; h < heads; h++)
        {
            var alone = new float[hd];
            if (type == KvCacheType.F16)
                Ops.Attend<Half>(q.AsSpan(h * hd, hd), keyHalves, valueHalves, blocks, blockSize, length, kvDim, kvHead * blockSize * hd, scale, new float[length], alone,
                    new float[blockSize * hd]);
            else
                Ops.Attend<float>(q.AsSpan(h * hd, hd), keys, values, blocks, blockSize, length, kvDim, kvHead * blockSize * hd, scale, new float[length], alone, []);
            var expected = Naive(q.AsSpan(h * hd, hd), logicalKeys, logicalValues, length, kvDim, kvHead * hd, scale);
            for (var j = 0; j < hd; j++)
            {
                Assert.True(Math.Abs(expected[j] - alone[j]) <= 1e-5 * (1 + Math.Abs(expected[j])), $"{type} head by head, head {h} value {j}: {alone[j]} vs {expected[j]}");
                Assert.True(!groupedRuns || Math.Abs(expected[j] - grouped[h * hd + j]) <= 1e-5 * (1 + Math.Abs(expected[j])), $"{type} {kernel}, head {h} value {j}: {grouped[h * hd + j]} vs {expected[j]}");
            }
        }
    }

    /// <summary>softmax(q·k × scale) · v over positions 0..length−1, in double precision.</summary>
    private static double[] Naive(ReadOnlySpan<float> q, float[] keys, float[] values, int length, int kvDim, int offset, float scale)
    {
        var hd = q.Length;
        var scores = new double[length];
        for (var t = 0; t < length; t++)
        {
            double dot = 0;
            for (var d = 0; d < hd; d++)
                dot += (double)q[d] * keys[t * kvDim + offset + d];
            scores[t] = dot * scale;
        }
        var max = scores.Max();
        var weights = scores.Select(x => Math.Exp(x - max)).ToArray();
        var sum = weights.Sum();
        var output = new double[hd];
        for (var t = 0; t < length; t++)
            for (var d = 0; d < hd; d++)
                output[d] += weights[t] / sum * values[t * kvDim + offset + d];
        return output;
    }

    /// <summary>These floats as the F16 cache stores them (<see cref="KvCache.ToHalf"/>).</summary>
    private static Half[] Halves(float[] values)
    {
        var halves = new Half[values.Length];
        KvCache.ToHalf(values, new float[values.Length], halves);
        return halves;
    }

    private static void Round(float[] values)
    {
        var halves = Halves(values);
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)halves[i];
    }

    private static float[] Random(Random rng, int n)
    {
        var v = new float[n];
        for (var i = 0; i < n; i++)
            v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }
}

/// <summary>A theory that runs where the CPU runs the 512-bit attention kernel (AVX-512, accelerated by .NET), skipped elsewhere.</summary>
public sealed class WideAttentionTheoryAttribute : TheoryAttribute
{
    public WideAttentionTheoryAttribute()
    {
        if (!GroupedAttention.IsWideSupported(64, 16))
            Skip = "This CPU (or .NET's setting for it) runs no 512-bit vectors.";
    }
}
