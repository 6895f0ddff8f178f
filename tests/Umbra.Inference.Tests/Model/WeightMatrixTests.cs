using System.Runtime.InteropServices;
using Umbra.Inference.Model;
using Umbra.Inference.Tensors;
using Umbra.Inference.Tests.Tensors;

namespace Umbra.Inference.Tests.Model;

/// <summary>
/// The product seam the forward pass uses: single and batched products agree with each other and with the
/// reference, on matrices small enough to run on the caller and large enough to be split across the pool, and
/// allocate nothing once warm.
/// </summary>
public sealed unsafe class WeightMatrixTests : IDisposable
{
    private readonly List<nint> _buffers = [];

    public static TheoryData<string, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var type in TestVectors.Types)
        {
            var columns = TestVectors.BlockSize(type) == 256 ? 512 : 64;
            data.Add(type.ToString(), 7, columns);            // on the caller
            data.Add(type.ToString(), 1027, 4 * columns);      // split across the pool
            data.Add(type.ToString(), 37, 9 * columns / 2);     // whole 8-block groups and leftover blocks
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyBatch_equals_count_Multiply_calls_and_the_reference(string typeName, int rows, int columns)
    {
        var type = Enum.Parse<GgmlType>(typeName);
        var (m, bytes) = Matrix(type, rows, columns, seed: rows);
        foreach (var count in new[] { 1, 2, 4, 7, 9, 17 })
        {
            var x = TestVectors.Activations(count * columns, seed: count);
            var batched = new float[count * rows];
            m.MultiplyBatch(x, batched, count);
            var single = new float[rows];
            for (var v = 0; v < count; v++)
            {
                m.Multiply(x.AsSpan(v * columns, columns), single);
                for (var r = 0; r < rows; r++)
                {
                    var row = bytes.AsSpan((int)(r * m.RowBytes), (int)m.RowBytes);
                    var xv = x.AsSpan(v * columns, columns);
                    var scale = ReferenceKernels.AbsDot(type, row, xv);
                    // Same quantized activations and the same summation order either way: a vector's product is
                    // bit-identical alone or batched, so batching never changes a greedy decode.
                    Assert.True(batched[v * rows + r] == single[r], $"{type} count={count} v={v} r={r}: {batched[v * rows + r]} vs {single[r]}");
                    // Against floats, allow the activation rounding (≤ 1/254 of the block's largest |x| per value).
                    var expected = ReferenceKernels.Dot(type, row, xv);
                    var tolerance = type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 ? 1e-5 * scale : 1.5e-2 * scale;
                    Assert.True(Math.Abs(single[r] - expected) <= tolerance, $"{type} v={v} r={r}: {single[r]} vs {expected}");
                }
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.F16)]
    public void Products_allocate_nothing_once_warm(GgmlType type)
    {
        foreach (var rows in new[] { 8, 2048 })
        {
            var (m, _) = Matrix(type, rows, 512, seed: 3);
            var x = TestVectors.Activations(8 * 512, seed: 4);
            var y = new float[8 * rows];
            for (var i = 0; i < 3; i++)
            {
                m.Multiply(x.AsSpan(0, 512), y);
                m.MultiplyBatch(x, y, 8);
                m.MultiplyBatch(x, y, 3);
            }
            AssertSteadyStateAllocatesNothing(() =>
            {
                for (var i = 0; i < 10; i++)
                {
                    m.Multiply(x.AsSpan(0, 512), y);
                    m.MultiplyBatch(x, y, 8);
                    m.MultiplyBatch(x, y, 3);
                }
            }, $"{type}, {rows} rows: bytes allocated per round of 30 products");
        }
    }

    /// <summary>
    /// Runs <paramref name="round"/> until two rounds in a row allocate nothing on this thread (at most 4 rounds),
    /// else fails. A real allocation per product shows in every round. The runtime may allocate once on this thread
    /// while the products warm up (seen about once in ten full runs, more often on a loaded machine: thousands of
    /// bytes, never again in the next round), so two clean rounds in a row are what steady state means here.
    /// </summary>
    private static void AssertSteadyStateAllocatesNothing(Action round, string what)
    {
        var allocated = new List<long>();
        for (var r = 0; r < 4 && !(allocated.Count >= 2 && allocated[^1] == 0 && allocated[^2] == 0); r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(allocated.Count >= 2 && allocated[^1] == 0 && allocated[^2] == 0, $"{what}: {string.Join(", ", allocated)}");
    }

    public static TheoryData<string, string, string> SharedInputTypes() => new()
    {
        { "Q4_0", "Q4_0", "Q4_0" },   // one quantization, one job
        { "Q4_0", "Q8_0", "Q4_0" },   // different kernels, the same Q8 (or Q8Wide) activations
        { "Q4_K", "Q6_K", "Q4_K" },   // different kernels, the same Q8_K activations
        { "Q8_0", "Q4_K", "F16" },    // three activation formats: each on its own
    };

    [Theory]
    [MemberData(nameof(SharedInputTypes))]
    public void Products_sharing_an_input_equal_their_separate_products_exactly(string a, string b, string c)
    {
        var (ma, _) = Matrix(Enum.Parse<GgmlType>(a), 1027, 512, seed: 5); // split across the pool
        var (mb, _) = Matrix(Enum.Parse<GgmlType>(b), 131, 512, seed: 6);
        var (mc, _) = Matrix(Enum.Parse<GgmlType>(c), 7, 512, seed: 7);
        foreach (var count in new[] { 1, 3, 17, 64 })
        {
            var x = TestVectors.Activations(count * 512, seed: count);
            float[] ya = new float[count * ma.Rows], yb = new float[count * mb.Rows], yc = new float[count * mc.Rows];
            WeightMatrix.MultiplyBatch(x, count, ma, ya, mb, yb, mc, yc);
            float[] sa = new float[ya.Length], sb = new float[yb.Length], sc = new float[yc.Length];
            ma.MultiplyBatch(x, sa, count);
            mb.MultiplyBatch(x, sb, count);
            mc.MultiplyBatch(x, sc, count);
            Assert.Equal(sa, ya);
            Assert.Equal(sb, yb);
            Assert.Equal(sc, yc);

            // Two matrices only.
            Array.Clear(ya);
            Array.Clear(yb);
            WeightMatrix.MultiplyBatch(x, count, ma, ya, mb, yb);
            Assert.Equal(sa, ya);
            Assert.Equal(sb, yb);
        }
    }

    [Fact]
    public void Products_of_matrices_whose_activations_differ_in_layout_are_refused()
    {
        var (ma, _) = Matrix(GgmlType.Q4_0, 8, 512, seed: 21);
        var (mb, _) = Matrix(GgmlType.F32, 8, 512, seed: 22);
        var x = TestVectors.Activations(2 * 512, seed: 23);
        var ya = new float[2 * 8];
        var yb = new float[2 * 8];
        var e = Assert.Throws<ArgumentException>(() =>
        {
            fixed (float* px = x, pya = ya, pyb = yb)
                MatrixProducts.Run(px, 2, 512, ma, pya, mb, pyb);
        });
        Assert.Contains("F32 weights take Float activations", e.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void Products_handed_out_to_many_parts_equal_one_part_exactly(int parts)
    {
        // The shared pool has as many parts as the machine has cores (2 on the CI machines), so the guided hand-out
        // of row runs is driven here with more parts than cores: parts that start late, runs that end where a matrix
        // ends, the last matrix's remainder. Every row must be written once, with the value one part computes.
        var pool = new WorkerPool(parts);
        var one = new WorkerPool(1);
        var (ma, _) = Matrix(GgmlType.Q4_0, 1027, 512, seed: 11);
        // One format for all three, as MatrixProducts requires.
        var (mb, _) = Matrix(GgmlType.Q4_0, 131, 512, seed: 12);
        var (mc, _) = Matrix(GgmlType.Q4_0, 45, 512, seed: 13);
        foreach (var count in new[] { 1, 2, 8, 17, 64 })
        {
            var x = TestVectors.Activations(count * 512, seed: 100 + count);
            float[] sa = new float[count * ma.Rows], sb = new float[count * mb.Rows], sc = new float[count * mc.Rows];
            float[] ya = new float[sa.Length], yb = new float[sb.Length], yc = new float[sc.Length];
            fixed (float* px = x, psa = sa, psb = sb, psc = sc, pya = ya, pyb = yb, pyc = yc)
            {
                MatrixProducts.Run(px, count, 512, ma, psa, mb, psb, mc, psc, one);
                for (var round = 0; round < 20; round++)
                {
                    Array.Fill(ya, float.NaN);
                    Array.Fill(yb, float.NaN);
                    Array.Fill(yc, float.NaN);
                    MatrixProducts.Run(px, count, 512, ma, pya, mb, pyb, mc, pyc, pool);
                    Assert.Equal(sa, ya);
                    Assert.Equal(sb, yb);
                    Assert.Equal(sc, yc);
                }
            }
        }
    }

    [Fact]
    public void Products_sharing_an_input_allocate_nothing_once_warm()
    {
        var (q, _) = Matrix(GgmlType.Q4_0, 2048, 512, seed: 8);
        var (k, _) = Matrix(GgmlType.Q4_0, 256, 512, seed: 9);
        var x = TestVectors.Activations(64 * 512, seed: 10);
        float[] yq = new float[64 * 2048], yk = new float[64 * 256];
        for (var i = 0; i < 3; i++)
            WeightMatrix.MultiplyBatch(x, 64, q, yq, k, yk);
        AssertSteadyStateAllocatesNothing(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                WeightMatrix.MultiplyBatch(x, 64, q, yq, k, yk);
                WeightMatrix.MultiplyBatch(x, 1, q, yq, k, yk);
            }
        }, "bytes allocated per round of 10 shared-input products");
    }

    [Fact]
    public void Products_sharing_an_input_validate_their_arguments()
    {
        var (a, _) = Matrix(GgmlType.Q8_0, 4, 64, seed: 1);
        var (b, _) = Matrix(GgmlType.Q8_0, 8, 64, seed: 2);
        Assert.Throws<ArgumentException>(() => WeightMatrix.MultiplyBatch(new float[64], 1, a, new float[4], b, new float[7]));
        Assert.Throws<ArgumentException>(() => WeightMatrix.MultiplyBatch(new float[63], 1, a, new float[4], b, new float[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightMatrix.MultiplyBatch(new float[64], -1, a, new float[4], b, new float[8]));
    }

    [Fact]
    public void MultiplyBatch_validates_its_arguments()
    {
        var (m, _) = Matrix(GgmlType.Q8_0, 4, 64, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.MultiplyBatch(new float[64], new float[4], -1));
        Assert.Throws<ArgumentException>(() => m.MultiplyBatch(new float[64], new float[8], 2));
        m.MultiplyBatch([], [], 0);
    }

    private (WeightMatrix Matrix, byte[] Bytes) Matrix(GgmlType type, int rows, int columns, int seed)
    {
        var rowBytes = (int)GgmlTypeInfo.RowSize(type, columns);
        var bytes = new byte[rows * rowBytes];
        for (var r = 0; r < rows; r++)
            TestVectors.Encode(type, TestVectors.Weights(columns, seed: seed * 7919 + r)).CopyTo(bytes, r * rowBytes);
        var native = Marshal.AllocHGlobal(bytes.Length);
        _buffers.Add(native);
        Marshal.Copy(bytes, 0, native, bytes.Length);
        return (new WeightMatrix("test", type, (byte*)native, rows, columns), bytes);
    }

    public void Dispose()
    {
        foreach (var p in _buffers)
            Marshal.FreeHGlobal(p);
    }
}
