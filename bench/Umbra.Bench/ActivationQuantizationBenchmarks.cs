using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Umbra.Inference.Tensors;

namespace Umbra.Bench;

/// <summary>
/// One activation vector quantized for the integer kernels, at TinyLlama's widths (2048, the model dimension; 5632,
/// the feed-forward one): each format 8 blocks at a time (the AVX2 groups, <c>Vectorized</c>) against block by block,
/// the code it replaced, which gives the same bytes. Each must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public unsafe class ActivationQuantizationBenchmarks
{
    private float* _x;
    private byte* _q;
    private ActivationFormat _format;

    // By name: the formats are internal to the engine.
    [Params(nameof(ActivationFormat.Q8), nameof(ActivationFormat.Q8Wide), nameof(ActivationFormat.Q8K))]
    public string Format { get; set; } = nameof(ActivationFormat.Q8);

    [Params(2048, 5632)]
    public int N { get; set; }

    [Params(true, false)]
    public bool Vectorized { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _format = Enum.Parse<ActivationFormat>(Format);
        var rng = new Random(7);
        _x = (float*)NativeMemory.AlignedAlloc((nuint)(N * sizeof(float)), 64);
        for (var i = 0; i < N; i++)
            _x[i] = (float)(rng.NextDouble() * 2 - 1);
        _q = (byte*)NativeMemory.AlignedAlloc((nuint)QuantizedActivations.VectorBytes(_format, N), 64);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_x);
        NativeMemory.AlignedFree(_q);
    }

    [Benchmark]
    public void Quantize()
    {
        if (_format == ActivationFormat.Q8K)
            QuantizedActivations.QuantizeQ8K(_x, N, _q, Vectorized);
        else
            QuantizedActivations.QuantizeQ8(_x, N, _q, _format == ActivationFormat.Q8Wide, Vectorized);
    }
}
