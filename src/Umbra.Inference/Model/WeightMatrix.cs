using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// A 2-D weight tensor left in the memory mapping: <see cref="Rows"/> rows of <see cref="Columns"/> values
/// in <see cref="Type"/>'s block layout. The product with a vector splits its rows across threads.
/// </summary>
public sealed unsafe class WeightMatrix
{
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
        CheckBatch(x, y, count);
        if (count == 0)
            return;
        fixed (float* px = x)
        fixed (float* py = y)
            Product(px, py, count);
    }

    /// <summary>
    /// Y_i = X W_iᵀ for two or three matrices that read the same <paramref name="count"/> vectors X (the query, key and
    /// value projections; the gate and up projections): the activations are quantized once and all the rows are
    /// handed to the pool together. Matrices of another width or activation format than <paramref name="a"/> are
    /// multiplied on their own. Each vector's products are bit-identical to <see cref="MultiplyBatch(ReadOnlySpan{float}, Span{float}, int)"/>'s.
    /// </summary>
    internal static void MultiplyBatch(ReadOnlySpan<float> x, int count, WeightMatrix a, Span<float> ya, WeightMatrix b, Span<float> yb,
        WeightMatrix? c = null, Span<float> yc = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        a.CheckBatch(x, ya, count);
        b.CheckBatch(x, yb, count);
        c?.CheckBatch(x, yc, count);
        if (count == 0)
            return;
        var format = QuantizedActivations.FormatFor(a.Type, DotKernels.BestPath);
        bool Joins(WeightMatrix m) => m.Columns == a.Columns && QuantizedActivations.FormatFor(m.Type, DotKernels.BestPath) == format;
        var withB = Joins(b);
        var withC = c != null && Joins(c);
        fixed (float* px = x)
        fixed (float* pa = ya)
        fixed (float* pb = yb)
        fixed (float* pc = yc)
        {
            MatrixProducts.Run(px, count, a.Columns, a, pa, withB ? b : null, withB ? pb : null, withC ? c : null, withC ? pc : null);
            if (!withB)
                MatrixProducts.Run(px, count, b.Columns, b, pb);
            if (c != null && !withC)
                MatrixProducts.Run(px, count, c.Columns, c, pc);
        }
    }

    private void CheckBatch(ReadOnlySpan<float> x, Span<float> y, int count)
    {
        if (x.Length < (long)count * Columns || y.Length < (long)count * Rows)
            throw new ArgumentException($"'{Name}' needs x of {count}×{Columns} and y of {count}×{Rows} values; got {x.Length} and {y.Length}.");
    }

    /// <summary>Quantizes the activations once (for quantized weights), then splits the rows across the worker pool.</summary>
    private void Product(float* x, float* y, int count) => MatrixProducts.Run(x, count, Columns, this, y);
}
