using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Umbra.Inference.Model;
using Umbra.Inference.Tensors;

namespace Umbra.Bench;

/// <summary>
/// The engine's product seam on a TinyLlama feed-forward-sized matrix (5632 rows x 2048 columns), per weight
/// type, with the shared worker pool: Multiply for one vector, MultiplyBatch for 4 and 8 (a prefill chunk or a
/// batch of decoding sequences). Allocation budget: zero bytes per call.
/// </summary>
[MemoryDiagnoser]
public unsafe class WeightMatrixBenchmarks
{
    private const int Rows = 5632;
    private const int Columns = 2048;
    private nint _native;
    private WeightMatrix _matrix = null!;
    private float[] _x = [];
    private float[] _y = [];

    [Params(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)]
    public GgmlType Type { get; set; }

    [Params(1, 4, 8)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var row = new float[Columns];
        var rowBytes = (int)GgmlTypeInfo.RowSize(Type, Columns);
        var bytes = new byte[rowBytes];
        _native = Marshal.AllocHGlobal((nint)rowBytes * Rows);
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++) row[c] = (float)(rng.NextDouble() * 2 - 1);
            Quantization.Quantize(Type, row, bytes);
            Marshal.Copy(bytes, 0, _native + (nint)r * rowBytes, rowBytes);
        }
        _matrix = new WeightMatrix("bench", Type, (byte*)_native, Rows, Columns);
        _x = Enumerable.Range(0, Columns * Count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _y = new float[Rows * Count];
    }

    [GlobalCleanup]
    public void Cleanup() => Marshal.FreeHGlobal(_native);

    [Benchmark]
    public void Product()
    {
        if (Count == 1)
            _matrix.Multiply(_x, _y);
        else
            _matrix.MultiplyBatch(_x, _y, Count);
    }
}
