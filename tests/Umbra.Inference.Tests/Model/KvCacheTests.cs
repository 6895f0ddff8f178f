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
    [InlineData(20, 0, KvCacheType.F16)]   // a whole block and a partial one
    [InlineData(20, 18, KvCacheType.F16)]  // inside the partial block: positions 16 and 17 stay
    [InlineData(37, 5, KvCacheType.F16)]   // from mid-block across whole blocks
    [InlineData(32, 16, KvCacheType.F16)]  // block-aligned
    [InlineData(20, 18, KvCacheType.F32)]
    [InlineData(37, 5, KvCacheType.F32)]
    public void Wipe_zeroes_exactly_the_positions_from_its_start(int length, int from, KvCacheType type)
    {
        var c = _model.Config;
        var cache = new KvCache(c, 64, type);
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
            var keysLeft = Count(cache, l, keys: true);
            var valuesLeft = Count(cache, l, keys: false);
            Assert.Equal(from * c.KvDim, keysLeft);
            Assert.Equal(from * c.KvDim, valuesLeft);
            for (var p = 0; p < from; p++)
            {
                Assert.Equal(Stored(Row(p, l, 1), type), Read(cache, l, seq, p, keys: true));
                Assert.Equal(Stored(Row(p, l, 2), type), Read(cache, l, seq, p, keys: false));
            }
        }
    }

    [Theory]
    [InlineData(KvCacheType.F32)]
    [InlineData(KvCacheType.F16)]
    public unsafe void Each_layer_starts_on_a_cache_line_and_attention_reads_there_what_was_written(KvCacheType type)
    {
        var c = _model.Config;
        var cache = new KvCache(c, 40, type);
        var seq = cache.CreateSequence(40);
        Assert.True(cache.TryReserve(seq, 40));
        for (var p = 0; p < 40; p++)
            for (var l = 0; l < c.BlockCount; l++)
                cache.Write(l, seq, p, Row(p, l, 1), Row(p, l, 2));
        for (var l = 0; l < c.BlockCount; l++)
        {
            Assert.Equal(0, (long)cache.KeyData(l) % 64);
            Assert.Equal(0, (long)cache.ValueData(l) % 64);
            var keySpan = type == KvCacheType.F32 ? cache.Keys<float>(l).ToArray() : [.. cache.Keys<Half>(l).ToArray().Select(h => (float)h)];
            var valueSpan = type == KvCacheType.F32 ? cache.Values<float>(l).ToArray() : [.. cache.Values<Half>(l).ToArray().Select(h => (float)h)];
            Assert.Equal(cache.ElementsPerLayer, keySpan.Length);
            for (long i = 0; i < cache.ElementsPerLayer; i++)
            {
                // The pointer the grouped kernel reads, the span the head-by-head path reads, and the element accessor agree.
                var key = type == KvCacheType.F32 ? ((float*)cache.KeyData(l))[i] : (float)((Half*)cache.KeyData(l))[i];
                var value = type == KvCacheType.F32 ? ((float*)cache.ValueData(l))[i] : (float)((Half*)cache.ValueData(l))[i];
                Assert.Equal(cache.Key(l, i), key);
                Assert.Equal(cache.Value(l, i), value);
                Assert.Equal(key, keySpan[i]);
                Assert.Equal(value, valueSpan[i]);
            }
            Assert.Equal(40 * c.KvDim, Count(cache, l, keys: true));
        }
    }

    [Fact]
    public void F16_takes_half_the_memory_of_F32_and_stores_each_value_as_its_nearest_half_clamped_to_the_finite_range()
    {
        var c = _model.Config;
        var f16 = new KvCache(c, 64, KvCacheType.F16);
        var f32 = new KvCache(c, 64, KvCacheType.F32);
        Assert.Equal(f32.Bytes / 2, f16.Bytes);
        Assert.Equal(KvCacheType.F16.BytesPerToken(c) * 64, f16.Bytes);
        var seq = f16.CreateSequence(64);
        Assert.True(f16.TryReserve(seq, 1));
        // Ordinary values, a tie that rounds to even, values in the subnormal range, and magnitudes past the largest half.
        float[] special = [0.1f, -3.14159f, 1 + 1f / 2048, 1e-6f, 4e-5f, 2e-5f, MathF.Pow(2, -15), 70000f, -1e9f, float.PositiveInfinity, -0f, float.NaN];
        var keys = Enumerable.Range(0, c.KvDim).Select(i => special[i % special.Length] * (i % 3 == 0 ? 1 : -1)).ToArray();
        var values = keys.Select(v => -v).ToArray();
        f16.Write(0, seq, 0, keys, values);
        Assert.Equal(Stored(keys, KvCacheType.F16), Read(f16, 0, seq, 0, keys: true));
        Assert.Equal(Stored(values, KvCacheType.F16), Read(f16, 0, seq, 0, keys: false));
        var read = Read(f16, 0, seq, 0, keys: true);
        Assert.Contains(65504f, read.Select(Math.Abs));
        Assert.All(read, v => Assert.True(float.IsFinite(v))); // NaN too is stored as 0
        Assert.Contains(1f, read.Select(Math.Abs)); // 1 + 2^-11 is halfway between 1 and the next half up: ties go to even
        // Nothing subnormal is stored: 4e-5 and the tie 2^-15 go up to 2^-14, 2e-5 and 1e-6 down to 0.
        Assert.Contains(MathF.Pow(2, -14), read.Select(Math.Abs));
        Assert.All(read, v => Assert.True(v == 0 || Math.Abs(v) >= MathF.Pow(2, -14), $"{v} is subnormal as a half"));
    }

    /// <summary>
    /// What the cache holds for these values: the values themselves (F32), or each one's nearest half within ±65504
    /// and outside the subnormal range, below 2⁻¹⁴, where the nearer of 0 and ±2⁻¹⁴ stands in; NaN as 0 (F16).
    /// </summary>
    private static float[] Stored(float[] row, KvCacheType type) => type == KvCacheType.F32
        ? row
        : row.Select(v =>
        {
            var h = float.IsNaN(v) ? 0 : (float)(Half)Math.Clamp(v, -65504f, 65504f);
            var min = MathF.Pow(2, -14);
            return Math.Abs(h) >= min ? h : Math.Abs(h) >= min / 2 ? MathF.CopySign(min, h) : MathF.CopySign(0, h);
        }).ToArray();

    /// <summary>
    /// Non-zero values for position p of layer l (kind 1 keys, 2 values), distinct within a layer and exact as halves
    /// up to 2048 (positions 0..31 of a 64-value row; past that, pairs round together): keys positive, values
    /// negative, each layer half the one before, so a slot or transposition error in the F16 cache shows too.
    /// </summary>
    private float[] Row(int p, int l, int kind) =>
        Enumerable.Range(0, _model.Config.KvDim).Select(i => (kind == 1 ? 1 : -1) * (p * _model.Config.KvDim + i + 1) / (float)(1 << l)).ToArray();

    /// <summary>Position p's KvDim values, read back through the documented layout.</summary>
    internal static float[] Read(KvCache cache, int layer, KvSequence seq, int p, bool keys)
    {
        var row = new float[cache.KvDim];
        var block = seq.Blocks[p / cache.BlockSize] * cache.BlockSize * cache.KvDim;
        var slot = p % cache.BlockSize;
        for (var h = 0; h < cache.KvDim / cache.HeadDim; h++)
            for (var d = 0; d < cache.HeadDim; d++)
            {
                var index = block + cache.HeadOffset(h) + (keys ? d * cache.BlockSize + slot : slot * cache.HeadDim + d);
                row[h * cache.HeadDim + d] = keys ? cache.Key(layer, index) : cache.Value(layer, index);
            }
        return row;
    }

    /// <summary>Elements of a layer's keys or values that are not zero.</summary>
    internal static long Count(KvCache cache, int layer, bool keys)
    {
        long count = 0;
        for (long i = 0; i < cache.ElementsPerLayer; i++)
            count += (keys ? cache.Key(layer, i) : cache.Value(layer, i)) != 0 ? 1 : 0;
        return count;
    }
}
