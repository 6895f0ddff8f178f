using BenchmarkDotNet.Attributes;
using Umbra.Inference.Tensors;

namespace Umbra.Bench;

/// <summary>Matrix-vector product of a 2048 x 2048 weight matrix, per weight type, one thread.</summary>
[MemoryDiagnoser]
public unsafe class DotKernelBenchmarks
{
    private const int N = 2048;
    private byte[] _weights = [];
    private float[] _x = [];
    private float[] _y = [];

    [Params(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)]
    public GgmlType Type { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var row = new float[N];
        long rowBytes = GgmlTypeInfo.RowSize(Type, N);
        _weights = new byte[rowBytes * N];
        for (int r = 0; r < N; r++)
        {
            for (int c = 0; c < N; c++) row[c] = (float)(rng.NextDouble() * 2 - 1);
            Quantization.Quantize(Type, row, _weights.AsSpan((int)(r * rowBytes), (int)rowBytes));
        }
        _x = Enumerable.Range(0, N).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _y = new float[N];
    }

    [Benchmark]
    public void MatVec()
    {
        fixed (byte* w = _weights)
        fixed (float* x = _x)
        fixed (float* y = _y)
            DotKernels.MatVec(Type, w, GgmlTypeInfo.RowSize(Type, N), x, N, y, 0, N);
    }
}
