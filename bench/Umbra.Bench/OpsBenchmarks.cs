using BenchmarkDotNet.Attributes;
using Umbra.Inference.Model;

namespace Umbra.Bench;

/// <summary>
/// One thread, one token of TinyLlama's shape (dim 2048, FFN 5632, 32 query and 4 key-value heads of 64): the
/// element-wise steps of the forward pass around the matrix products (RMSNorm, RoPE on the queries and keys, SwiGLU)
/// and a softmax over 1024 attention scores. Each must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class OpsBenchmarks
{
    private const int Dim = 2048, Ffn = 5632, HeadDim = 64, Heads = 32, KvHeads = 4;
    private float[] _x = [], _weight = [], _output = [], _gate = [], _gateCopy = [], _up = [], _sigmoid = [];
    private float[] _q = [], _k = [], _cos = [], _sin = [], _ropeScratch = [], _scores = [], _scoresCopy = [];

    [Params(RopeStyle.Interleaved, RopeStyle.NeoX)]
    public RopeStyle Rope { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(5);
        _x = Random(rng, Dim);
        _weight = Random(rng, Dim);
        _output = new float[Dim];
        _gate = Random(rng, Ffn);
        _gateCopy = new float[Ffn];
        _up = Random(rng, Ffn);
        _sigmoid = new float[Ffn];
        _q = Random(rng, Heads * HeadDim);
        _k = Random(rng, KvHeads * HeadDim);
        _cos = new float[HeadDim / 2];
        _sin = new float[HeadDim / 2];
        var frequencies = Enumerable.Range(0, HeadDim / 2).Select(i => Math.Pow(10000, -2.0 * i / HeadDim)).ToArray();
        Ops.RopeAngles(100, 1f, frequencies, _cos, _sin);
        _ropeScratch = new float[2 * HeadDim];
        _scores = Random(rng, 1024);
        _scoresCopy = new float[1024];
    }

    [Benchmark]
    public void RmsNorm() => Ops.RmsNorm(_x, _weight, 1e-5f, _output);

    /// <summary>RoPE on one token's queries and keys (its angles computed once per token elsewhere).</summary>
    [Benchmark]
    public void RopeQueryAndKeys()
    {
        Ops.ApplyRope(_q, Heads, HeadDim, HeadDim, Rope, _cos, _sin, _ropeScratch);
        Ops.ApplyRope(_k, KvHeads, HeadDim, HeadDim, Rope, _cos, _sin, _ropeScratch);
    }

    /// <summary>SwiGLU over the FFN width (on a copy of the gate, which it overwrites).</summary>
    [Benchmark]
    public void SwiGlu()
    {
        _gate.CopyTo(_gateCopy, 0);
        Ops.SwiGlu(_gateCopy, _up, _sigmoid);
    }

    /// <summary>Softmax of 1024 scores (on a copy, which it overwrites).</summary>
    [Benchmark]
    public void Softmax()
    {
        _scores.CopyTo(_scoresCopy, 0);
        Ops.Softmax(_scoresCopy);
    }

    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
