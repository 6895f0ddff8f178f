using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// A 2-D weight tensor left in the memory mapping: <see cref="Rows"/> rows of <see cref="Columns"/> values
/// in <see cref="Type"/>'s block layout. The product with a vector splits its rows across threads.
/// </summary>
public sealed unsafe class WeightMatrix
{
    // Below this many weight bytes, a product runs on the calling thread: handing work out costs more.
    private const long ParallelThresholdBytes = 256 * 1024;

    private readonly byte* _data;

    internal WeightMatrix(string name, GgmlType type, byte* data, int rows, int columns)
    {
        Name = name;
        Type = type;
        _data = data;
        Rows = rows;
        Columns = columns;
        RowBytes = GgmlTypeInfo.RowSize(type, columns);
    }

    public string Name { get; }
    public GgmlType Type { get; }
    public int Rows { get; }
    public int Columns { get; }
    public long RowBytes { get; }

    internal byte* Data => _data;

    internal static WeightMatrix From(GgufFile file, GgufTensorInfo t, int expectedColumns, int expectedRows)
    {
        if (t.Shape.Length > 2 && t.Shape.Skip(2).Any(d => d != 1) || t.Shape[0] != expectedColumns || t.Rows != expectedRows)
            throw new ModelLoadException($"Tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}], expected [{expectedColumns}, {expectedRows}].");
        if (!GgmlTypeInfo.IsSupportedWeightType(t.Type))
            throw new ModelLoadException($"Tensor '{t.Name}' has weight type {t.Type}, which the engine does not support (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K).");
        return new WeightMatrix(t.Name, t.Type, file.GetTensorPointer(t), expectedRows, expectedColumns);
    }

    /// <summary>Dequantizes one row into <paramref name="destination"/> (used for embedding lookup).</summary>
    public void ReadRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows)
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside 0..{Rows - 1} of '{Name}'.");
        var src = new ReadOnlySpan<byte>(_data + row * RowBytes, checked((int)RowBytes));
        Quantization.Dequantize(Type, src, destination[..Columns]);
    }

    /// <summary>y = W x, with x of <see cref="Columns"/> values and y of <see cref="Rows"/>.</summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length < Columns || y.Length < Rows)
            throw new ArgumentException($"'{Name}' needs x of {Columns} and y of {Rows} values; got {x.Length} and {y.Length}.");
        fixed (float* px = x)
        fixed (float* py = y)
            Product(px, py, 1);
    }

    /// <summary>
    /// Y = X Wᵀ for <paramref name="count"/> vectors at once: X holds <paramref name="count"/> rows of
    /// <see cref="Columns"/> values, Y <paramref name="count"/> rows of <see cref="Rows"/> values. Each weight row
    /// is read once for all the vectors, which is what makes batched prefill and batched decoding cheap.
    /// </summary>
    public void MultiplyBatch(ReadOnlySpan<float> x, Span<float> y, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (x.Length < (long)count * Columns || y.Length < (long)count * Rows)
            throw new ArgumentException($"'{Name}' needs x of {count}×{Columns} and y of {count}×{Rows} values; got {x.Length} and {y.Length}.");
        if (count == 0)
            return;
        fixed (float* px = x)
        fixed (float* py = y)
            Product(px, py, count);
    }

    /// <summary>
    /// Quantizes the activations once (for quantized weights), then splits the rows across the worker pool; every
    /// part walks its rows against all the vectors. Allocates nothing once the calling thread's scratch is sized.
    /// </summary>
    private void Product(float* x, float* y, int count)
    {
        var format = QuantizedActivations.FormatFor(Type);
        byte* xq;
        long xStride;
        if (format == ActivationFormat.Float)
        {
            xq = (byte*)x;
            xStride = (long)Columns * sizeof(float);
        }
        else
        {
            xStride = QuantizedActivations.VectorBytes(format, Columns);
            xq = ActivationScratch.Get(xStride * count);
            for (var v = 0; v < count; v++)
                QuantizedActivations.Quantize(format, x + (long)v * Columns, Columns, xq + v * xStride);
        }

        var pool = WorkerPool.Shared;
        if (RowBytes * Rows < ParallelThresholdBytes || pool.Size == 1)
        {
            DotKernels.MatMul(DotKernels.BestPath, Type, _data, RowBytes, 0, Rows, xq, xStride, count, Columns, y, Rows);
            return;
        }
        var job = ProductJob.ForThisThread;
        job.Set(this, xq, xStride, count, y);
        try
        {
            pool.Run(job);
        }
        finally
        {
            job.Set(null, null, 0, 0, null);
        }
    }

    /// <summary>One reusable job object per calling thread, so handing a product to the pool allocates nothing.</summary>
    private sealed class ProductJob : IWorkerJob
    {
        [ThreadStatic]
        private static ProductJob? t_job;

        private WeightMatrix? _matrix;
        private byte* _x;
        private long _xStride;
        private int _count;
        private float* _y;

        public static ProductJob ForThisThread => t_job ??= new ProductJob();

        public void Set(WeightMatrix? matrix, byte* x, long xStride, int count, float* y)
        {
            _matrix = matrix;
            _x = x;
            _xStride = xStride;
            _count = count;
            _y = y;
        }

        public void Execute(int part, int parts)
        {
            var m = _matrix!;
            var start = (int)((long)m.Rows * part / parts);
            var end = (int)((long)m.Rows * (part + 1) / parts);
            DotKernels.MatMul(DotKernels.BestPath, m.Type, m._data, m.RowBytes, start, end, _x, _xStride, _count, m.Columns, _y, m.Rows);
        }
    }

    /// <summary>
    /// Per-thread buffer for quantized activations: pinned (so the workers can read it through a pointer), 32-byte
    /// aligned, and grown by doubling, so after the first few products no call allocates.
    /// </summary>
    private static class ActivationScratch
    {
        [ThreadStatic]
        private static byte[]? t_buffer;

        public static byte* Get(long bytes)
        {
            var buffer = t_buffer;
            if (buffer == null || buffer.Length < bytes + 32)
            {
                var size = Math.Max(bytes + 32, buffer == null ? 64 * 1024 : 2L * buffer.Length);
                buffer = GC.AllocateUninitializedArray<byte>(checked((int)size), pinned: true);
                t_buffer = buffer;
            }
            var p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (byte*)((p + 31) & ~(nint)31);
        }
    }
}
