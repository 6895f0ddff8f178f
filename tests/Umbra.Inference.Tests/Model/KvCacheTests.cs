using Umbra.Inference.Model;
using Umbra.Inference.Synthesis;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Model;

/// <summary>
/// The cache's layout (head by head in each block, keys transposed) as <see cref="KvCache.Write"/> and
/// <see cref="KvCache.Wipe"/> see it: what is written lands where attention reads it, and a wipe zeroes exactly
/// the positions it names, in partial blocks too, leaving the earlier ones intact.
/// </summary>
public class KvCacheTests : IDisposable
{
    private readonly TempFile _file = new();
    private readonly LlamaModel _model;

    public KvCacheTests()
    {
        ModelSynthesizer.Write(_file.Path, new SynthesisOptions { Shape = ReferenceForwardTests.SmallShape("llama"), WeightType = GgmlType.F32, Seed = 2 });
        _model = LlamaModel.Load(_file.Path);
    }

    public void Dispose()
    {
        _model.Dispose();
        _file.Dispose();
    }

    [Theory]
    [InlineData(20, 0)]   // a whole block and a partial one
    [InlineData(20, 18)]  // inside the partial block: positions 16 and 17 stay
    [InlineData(37, 5)]   // from mid-block across whole blocks
    [InlineData(32, 16)]  // block-aligned
    public void Wipe_zeroes_exactly_the_positions_from_its_start(int length, int from)
    {
        var c = _model.Config;
        var cache = new KvCache(c, 64);
        var seq = cache.CreateSequence(64);
        Assert.True(cache.TryReserve(seq, length));
        // Keep the blocks out of order, as a busy cache hands them out.
        Array.Reverse(seq.Blocks, 0, seq.BlockCount);
        for (var p = 0; p < length; p++)
            for (var l = 0; l < c.BlockCount; l++)
                cache.Write(l, seq, p, Row(p, l, 1), Row(p, l, 2));
        seq.Append(new int[length]);

        cache.Wipe(seq, from);

        for (var l = 0; l < c.BlockCount; l++)
        {
            var keysLeft = cache.Keys[l].Count(v => v != 0);
            var valuesLeft = cache.Values[l].Count(v => v != 0);
            Assert.Equal(from * c.KvDim, keysLeft);
            Assert.Equal(from * c.KvDim, valuesLeft);
            for (var p = 0; p < from; p++)
            {
                Assert.Equal(Row(p, l, 1), Read(cache, cache.Keys[l], seq, p, transposed: true));
                Assert.Equal(Row(p, l, 2), Read(cache, cache.Values[l], seq, p, transposed: false));
            }
        }
    }

    /// <summary>Distinct non-zero values for position p of layer l (kind 1 keys, 2 values).</summary>
    private float[] Row(int p, int l, int kind) =>
        Enumerable.Range(0, _model.Config.KvDim).Select(i => kind * 100_000f + l * 10_000 + p * 100 + i + 1).ToArray();

    /// <summary>Position p's KvDim values, read back through the documented layout.</summary>
    private static float[] Read(KvCache cache, float[] layer, KvSequence seq, int p, bool transposed)
    {
        var row = new float[cache.KvDim];
        var block = seq.Blocks[p / cache.BlockSize] * cache.BlockSize * cache.KvDim;
        var slot = p % cache.BlockSize;
        for (var h = 0; h < cache.KvDim / cache.HeadDim; h++)
            for (var d = 0; d < cache.HeadDim; d++)
                row[h * cache.HeadDim + d] = layer[block + cache.HeadOffset(h) + (transposed ? d * cache.BlockSize + slot : slot * cache.HeadDim + d)];
        return row;
    }
}
