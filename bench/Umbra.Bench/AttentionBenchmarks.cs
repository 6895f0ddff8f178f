using BenchmarkDotNet.Attributes;
using Umbra.Inference.Model;

namespace Umbra.Bench;

/// <summary>
/// One thread, TinyLlama's attention shape (head size 64, 8 query heads per key-value head, 16-token cache blocks
/// in reverse order, as a busy cache hands them out): one token's 8 query heads against one key-value head's
/// cached positions, through the grouped kernel and head by head, with the cache in F32 and in F16. The cache is
/// small enough to stay hot; `umbra bench` and the kernel harness's `stream` mode show it read from memory.
/// </summary>
[MemoryDiagnoser]
public unsafe class AttentionBenchmarks
{
    private const int HeadDim = 64, Group = 8, BlockSize = 16;
    private float[] _q = [], _scores = [], _output = [], _zero = [], _spare = [], _widened = [];
    private float[] _keys = [], _values = [];
    private Half[] _keyHalves = [], _valueHalves = [];
    private int[] _blocks = [];

    [Params(KvCacheType.F32, KvCacheType.F16)]
    public KvCacheType Cache { get; set; }

    [Params(160, 1024)]
    public int Positions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        var blocks = (Positions + BlockSize - 1) / BlockSize;
        _blocks = Enumerable.Range(0, blocks).Reverse().ToArray();
        _keys = Random(rng, blocks * BlockSize * HeadDim);
        _values = Random(rng, blocks * BlockSize * HeadDim);
        _keyHalves = new Half[_keys.Length];
        _valueHalves = new Half[_values.Length];
        KvCache.ToHalf(_keys, new float[_keys.Length], _keyHalves);
        KvCache.ToHalf(_values, new float[_values.Length], _valueHalves);
        _q = Random(rng, Group * HeadDim);
        _scores = new float[GroupedAttention.Heads * Positions];
        _output = new float[Group * HeadDim];
        _zero = new float[HeadDim];
        _spare = new float[HeadDim];
        _widened = new float[BlockSize * HeadDim];
    }

    /// <summary>The 8 heads in one pass of the grouped kernel, 256-bit (AVX2 + FMA).</summary>
    [Benchmark(Baseline = true)]
    public void Grouped() => RunGrouped(wide: false);

    /// <summary>The same pass through the 512-bit kernel (AVX-512 F), where this CPU runs it; else the 256-bit one again.</summary>
    [Benchmark]
    public void GroupedWide() => RunGrouped(wide: GroupedAttention.IsWideSupported(HeadDim, BlockSize));

    private void RunGrouped(bool wide)
    {
        fixed (float* q = _q, scores = _scores, output = _output, zero = _zero, spare = _spare, kf = _keys, vf = _values)
        fixed (Half* kh = _keyHalves, vh = _valueHalves)
        {
            var f16 = Cache == KvCacheType.F16;
            GroupedAttention.Attend(q, Group, HeadDim, f16 ? (byte*)kh : (byte*)kf, f16 ? (byte*)vh : (byte*)vf, Cache, _blocks, BlockSize, Positions,
                HeadDim, 0, 0.125f, scores, Positions, output, zero, spare, wide);
        }
    }

    /// <summary>The same 8 heads one at a time through the portable path (what ARM64 runs).</summary>
    [Benchmark]
    public void HeadByHead()
    {
        for (var h = 0; h < Group; h++)
        {
            var q = _q.AsSpan(h * HeadDim, HeadDim);
            var output = _output.AsSpan(h * HeadDim, HeadDim);
            if (Cache == KvCacheType.F16)
                Ops.Attend<Half>(q, _keyHalves, _valueHalves, _blocks, BlockSize, Positions, HeadDim, 0, 0.125f, _scores, output, _widened);
            else
                Ops.Attend<float>(q, _keys, _values, _blocks, BlockSize, Positions, HeadDim, 0, 0.125f, _scores, output, _widened);
        }
    }

    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
