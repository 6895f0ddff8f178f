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
        {
            long bytes = RowBytes * Rows;
            var pool = WorkerPool.Shared;
            if (bytes < ParallelThresholdBytes || pool.Size == 1)
            {
                DotKernels.MatVec(Type, _data, RowBytes, px, Columns, py, 0, Rows);
                return;
            }
            var xp = (nint)px;
            var yp = (nint)py;
            pool.Run((part, parts) =>
            {
                int start = (int)((long)Rows * part / parts);
                int end = (int)((long)Rows * (part + 1) / parts);
                DotKernels.MatVec(Type, _data, RowBytes, (float*)xp, Columns, (float*)yp, start, end);
            });
        }
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
        if (count == 1)
        {
            Multiply(x[..Columns], y[..Rows]);
            return;
        }
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var xp = (nint)px;
            var yp = (nint)py;
            void Slice(int start, int end)
            {
                // Row-major weight walk: each weight row stays hot in cache while every vector uses it.
                for (int r = start; r < end; r++)
                {
                    for (int v = 0; v < count; v++)
                        DotKernels.MatVec(Type, _data, RowBytes, (float*)xp + (long)v * Columns, Columns, (float*)yp + (long)v * Rows, r, r + 1);
                }
            }
            var pool = WorkerPool.Shared;
            if (RowBytes * Rows < ParallelThresholdBytes || pool.Size == 1)
            {
                Slice(0, Rows);
                return;
            }
            pool.Run((part, parts) => Slice((int)((long)Rows * part / parts), (int)((long)Rows * (part + 1) / parts)));
        }
    }
}
