using BenchmarkDotNet.Attributes;
using Umbra.Inference.Tensors;

namespace Umbra.Bench;

/// <summary>
/// One thread, a 2048 x 2048 weight matrix per weight type: the float-activation MatVec (exact, kept for Dot)
/// against the quantized-activation MatMul the engine uses, for 1, 4 and 8 vectors (time per call; divide by
/// Count for time per vector). Activation quantization is included in MatMul's time, as in the engine.
/// </summary>
[MemoryDiagnoser]
public unsafe class DotKernelBenchmarks
{
    private const int N = 2048;
    private byte[] _weights = [];
    private float[] _x = [];
    private float[] _y = [];
    private byte[] _xq = [];
    private long _rowBytes;

    [Params(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)]
    public GgmlType Type { get; set; }

    [Params(1, 4, 8)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var row = new float[N];
        _rowBytes = GgmlTypeInfo.RowSize(Type, N);
        _weights = GC.AllocateUninitializedArray<byte>((int)(_rowBytes * N), pinned: true);
        for (int r = 0; r < N; r++)
        {
            for (int c = 0; c < N; c++) row[c] = (float)(rng.NextDouble() * 2 - 1);
            Quantization.Quantize(Type, row, _weights.AsSpan((int)(r * _rowBytes), (int)_rowBytes));
        }
        _x = Enumerable.Range(0, N * Count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _y = new float[N * Count];
        // Sized for the format this type's products quantize into on the best path (Q8_K vectors are larger than Q8's).
        var bytes = QuantizedActivations.VectorBytes(QuantizedActivations.FormatFor(Type, DotKernels.BestPath), N);
        _xq = GC.AllocateUninitializedArray<byte>((int)(bytes * Count), pinned: true);
    }

    [Benchmark(Baseline = true)]
    public void MatVecFloatActivations()
    {
        fixed (byte* w = _weights)
        fixed (float* x = _x)
        fixed (float* y = _y)
            for (int v = 0; v < Count; v++)
                DotKernels.MatVec(Type, w, _rowBytes, x + v * N, N, y + v * N, 0, N);
    }

    [Benchmark]
    public void MatMulQuantizedActivations()
    {
        var format = QuantizedActivations.FormatFor(Type, DotKernels.BestPath);
        fixed (byte* w = _weights)
        fixed (float* x = _x)
        fixed (float* y = _y)
        fixed (byte* xq = _xq)
        {
            if (format == ActivationFormat.Float)
            {
                DotKernels.MatMul(DotKernels.BestPath, Type, w, _rowBytes, 0, N, (byte*)x, N * sizeof(float), Count, N, y, N);
                return;
            }
            var stride = QuantizedActivations.VectorBytes(format, N);
            for (int v = 0; v < Count; v++)
                QuantizedActivations.Quantize(format, x + v * N, N, xq + v * stride);
            DotKernels.MatMul(DotKernels.BestPath, Type, w, _rowBytes, 0, N, xq, stride, Count, N, y, N);
        }
    }
}
