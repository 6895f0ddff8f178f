using Umbra.Inference.Model;

namespace Umbra.Inference.Tests.Model;

/// <summary>
/// The grouped-query attention kernel against the head-by-head one, on scattered cache blocks, lengths that end
/// mid-block and runs of 1 to 4 query heads.
/// </summary>
public unsafe class GroupedAttentionTests
{
    [Theory]
    [InlineData(8, 1, 1)]
    [InlineData(64, 4, 37)]
    [InlineData(64, 3, 16)]
    [InlineData(128, 2, 100)]
    [InlineData(32, 1, 5)]
    public void Grouped_heads_get_what_each_head_gets_alone(int hd, int heads, int length)
    {
        if (!GroupedAttention.IsSupported(hd))
            return;
        const int blockSize = 16, kvHeads = 3, kvHead = 1;
        var kvDim = kvHeads * hd;
        var rng = new Random(hd + heads + length);
        int[] blocks = [5, 2, 7, 0, 3, 6, 1, 4];
        var keys = Random(rng, 8 * blockSize * kvDim);
        var values = Random(rng, 8 * blockSize * kvDim);
        var q = Random(rng, heads * hd);
        var scale = 1f / MathF.Sqrt(hd);
        var grouped = new float[heads * hd];
        var scores = new float[GroupedAttention.Heads * 128];
        var zero = new float[hd];
        var spare = new float[hd];
        fixed (float* pq = q, pk = keys, pv = values, ps = scores, po = grouped, pz = zero, psp = spare)
            GroupedAttention.Attend(pq, heads, hd, pk, pv, blocks, blockSize, length, kvDim, kvHead * hd, scale, ps, 128, po, pz, psp);
        for (var h = 0; h < heads; h++)
        {
            var alone = new float[hd];
            Ops.Attend(q.AsSpan(h * hd, hd), keys, values, blocks, blockSize, length, kvDim, kvHead * hd, scale, new float[length], alone);
            for (var j = 0; j < hd; j++)
                Assert.True(Math.Abs(alone[j] - grouped[h * hd + j]) <= 1e-5f * (1 + Math.Abs(alone[j])), $"head {h} value {j}: {grouped[h * hd + j]} vs {alone[j]}");
        }
    }

    private static float[] Random(Random rng, int n)
    {
        var v = new float[n];
        for (var i = 0; i < n; i++)
            v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }
}
