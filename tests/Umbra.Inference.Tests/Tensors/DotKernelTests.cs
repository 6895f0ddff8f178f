using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>
/// Every kernel, on every instruction-set path this CPU runs, agrees with the reference (dequantize, then
/// accumulate in double) to within 1e-5 of sum |w_i x_i|: float accumulation in a different order is the only
/// difference allowed.
/// </summary>
public unsafe class DotKernelTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var path in Enum.GetValues<DotPath>().Where(DotKernels.IsSupported))
        {
            foreach (var type in TestVectors.Types)
            {
                var block = TestVectors.BlockSize(type);
                var sizes = block == 1 ? new[] { 1, 7, 8, 31, 65, 100, 1000, 4103 } : [block, 3 * block, 7 * block, 11 * block + (block == 32 ? 17 * block : 0)];
                foreach (var n in sizes)
                    data.Add(path.ToString(), type.ToString(), n);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dot_agrees_with_the_reference(string pathName, string typeName, int n)
    {
        var path = Enum.Parse<DotPath>(pathName);
        var type = Enum.Parse<GgmlType>(typeName);
        var row = TestVectors.Encode(type, TestVectors.Weights(n, seed: n + 1));
        var x = TestVectors.Activations(n, seed: n + 2);

        float got;
        fixed (byte* w = row)
        fixed (float* xp = x)
            got = DotKernels.Dot(path, type, w, xp, n);

        AssertClose(type, row, x, got, $"{path} {type} n={n}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatVec_fills_exactly_the_requested_rows(string pathName, string typeName, int n)
    {
        var path = Enum.Parse<DotPath>(pathName);
        var type = Enum.Parse<GgmlType>(typeName);
        const int rows = 5;
        var rowSize = (int)GgmlTypeInfo.RowSize(type, n);
        var stride = rowSize + 7; // an odd stride: rows need not be aligned or packed
        var w = new byte[rows * stride];
        for (var r = 0; r < rows; r++)
            TestVectors.Encode(type, TestVectors.Weights(n, seed: 31 * r + n)).CopyTo(w, r * stride);
        var x = TestVectors.Activations(n, seed: n + 3);
        var y = Enumerable.Repeat(float.NaN, rows).ToArray();

        fixed (byte* wp = w)
        fixed (float* xp = x)
        fixed (float* yp = y)
            DotKernels.MatVec(path, type, wp, stride, xp, n, yp, 1, 4);

        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[4]), "MatVec wrote outside [rowStart, rowEnd).");
        for (var r = 1; r < 4; r++)
            AssertClose(type, w.AsSpan(r * stride, rowSize), x, y[r], $"{path} {type} n={n} row {r}");
    }

    /// <summary>UMBRA_DOT_PATH names a path in any case; one the CPU cannot run, or no path at all, leaves the widest.</summary>
    [Fact]
    public void A_named_path_is_taken_only_when_the_CPU_runs_it()
    {
        var widest = DotKernels.Choose(null);
        Assert.True(DotKernels.IsSupported(widest));
        Assert.Equal(widest, DotKernels.Choose(""));
        Assert.Equal(widest, DotKernels.Choose("avx9000"));
        Assert.Equal(widest, DotKernels.Choose("42"));
        Assert.Equal(widest, DotKernels.Choose("Avx2,Portable")); // not a flags enum: no combinations
        Assert.Equal(DotPath.Scalar, DotKernels.Choose("scalar"));
        foreach (var path in Enum.GetValues<DotPath>())
            Assert.Equal(DotKernels.IsSupported(path) ? path : widest, DotKernels.Choose(path.ToString().ToUpperInvariant()));
    }

    [Fact]
    public void Public_entry_points_use_a_supported_path()
    {
        Assert.True(DotKernels.IsSupported(DotKernels.BestPath));
        var x = TestVectors.Activations(256, seed: 1);
        var row = TestVectors.Encode(GgmlType.Q6_K, TestVectors.Weights(256, seed: 2));
        float got;
        fixed (byte* w = row)
        fixed (float* xp = x)
            got = DotKernels.Dot(GgmlType.Q6_K, w, xp, 256);
        AssertClose(GgmlType.Q6_K, row, x, got, "public Dot");
    }

    [Fact]
    public void MatVec_from_several_threads_on_disjoint_rows_matches_one_thread()
    {
        const int rows = 64, n = 512;
        var type = GgmlType.Q4_K;
        var rowSize = GgmlTypeInfo.RowSize(type, n);
        var w = TestVectors.Encode(type, TestVectors.Weights(rows * n, seed: 5));
        var x = TestVectors.Activations(n, seed: 6);
        var serial = new float[rows];
        var parallel = new float[rows];
        fixed (byte* wp = w)
        fixed (float* xp = x)
        fixed (float* sp = serial)
        fixed (float* pp = parallel)
        {
            DotKernels.MatVec(type, wp, rowSize, xp, n, sp, 0, rows);
            nint wAddr = (nint)wp, xAddr = (nint)xp, pAddr = (nint)pp;
            Parallel.For(0, 8, chunk =>
                DotKernels.MatVec(type, (byte*)wAddr, rowSize, (float*)xAddr, n, (float*)pAddr, chunk * 8, chunk * 8 + 8));
        }
        Assert.Equal(serial, parallel);
    }

    private static void AssertClose(GgmlType type, ReadOnlySpan<byte> row, float[] x, float got, string what)
    {
        var expected = ReferenceKernels.Dot(type, row, x);
        var scale = ReferenceKernels.AbsDot(type, row, x);
        var error = Math.Abs(got - expected);
        Assert.True(error <= Tolerance * scale, $"{what}: got {got}, reference {expected}, error {error:E2} > {Tolerance} * {scale:E3}.");
    }
}
