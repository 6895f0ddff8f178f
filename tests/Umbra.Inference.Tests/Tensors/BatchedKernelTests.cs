using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>
/// The batched quantized kernels give every vector exactly what it gets alone, on every instruction-set path this
/// CPU runs: whatever the batch size, the tile a vector falls in, its place in the tile, the chunk of rows, or the
/// span of columns a tile takes per pass over its rows (wide rows are walked in several spans). This
/// is what keeps a greedy decode the same whether a sequence runs alone or with others.
/// </summary>
public unsafe class BatchedKernelTests
{
    public static TheoryData<string, string, string> PathsAndTypes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var path in Enum.GetValues<DotPath>().Where(DotKernels.IsSupported))
            foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K })
                foreach (var width in new[] { "tiny", "short", "narrow", "two-wide-groups", "wide", "whole-groups" })
                    data.Add(path.ToString(), type.ToString(), width);
        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndTypes))]
    public void A_vector_batched_with_others_gets_exactly_its_product_alone(string pathName, string typeName, string width)
    {
        var path = Enum.Parse<DotPath>(pathName);
        var type = Enum.Parse<GgmlType>(typeName);
        var format = QuantizedActivations.FormatFor(type, path);
        var block = TestVectors.BlockSize(type);
        // Whole groups of 8 blocks with leftover blocks for the 32-value formats; odd super-block counts for K. Wide
        // rows hold more groups than a full tile takes in one pass (KernelHelpers.SpanGroups).
        // 33 groups: the 5-vector sub-batch spans 15 groups at a time, which the wide path rounds to 14 so that no
        // span splits a group of 16 blocks (a cache choice: a split group would still be summed once).
        // "whole-groups": 5632 values (TinyLlama's FFN width), 11 groups of 16 blocks and nothing after them, which the
        // wide path sums straight from its 512-bit accumulators; spans too.
        // "two-wide-groups": 1024 values, two groups of 16 blocks and nothing after them, in one span.
        // "short": one group of 8 blocks and one block after it (no wide group; one super-block for K); "tiny": three
        // blocks and no group at all.
        var groups = width == "wide" || width == "whole-groups" ? 33 : 2;
        var n = width switch
        {
            "whole-groups" => 11 * 512,
            "two-wide-groups" => 2 * 512,
            "tiny" => block == 32 ? 3 * 32 : 256,
            "short" => block == 32 ? 9 * 32 : 256,
            _ => block == 32 ? groups * 256 + 3 * 32 : (groups + 1) * 256,
        };
        const int rows = 41; // more than one chunk of rows, not a multiple of any tile
        var rowBytes = (int)GgmlTypeInfo.RowSize(type, n);
        var w = new byte[rows * rowBytes];
        for (var r = 0; r < rows; r++)
            TestVectors.Encode(type, TestVectors.Weights(n, seed: 31 * r + 5)).CopyTo(w, r * rowBytes);
        const int count = 37; // two full tiles of 16 and a partial one
        var x = TestVectors.Activations(count * n, seed: 11);
        var (xq, stride) = QuantizedKernelTests.Prepare(format, x, n, count);
        var batched = new float[count * rows];
        var alone = new float[rows];
        fixed (byte* wp = w)
        fixed (byte* xp = xq)
        {
            fixed (float* yp = batched)
                DotKernels.MatMul(path, type, wp, rowBytes, 0, rows, xp, stride, count, n, yp, rows);
            // 17, 28 and 37 take more than one tile, so the wide formats pack each chunk of rows first (28's second
            // tile of 12 pairs rows from the packed copy); 16 and fewer read the rows in place.
            foreach (var sub in new[] { 1, 5, 12, 16, 17, 28 })
            {
                var part = new float[sub * rows];
                fixed (float* yp = part)
                    DotKernels.MatMul(path, type, wp, rowBytes, 0, rows, xp + (count - sub) * stride, stride, sub, n, yp, rows);
                for (var v = 0; v < sub; v++)
                    for (var r = 0; r < rows; r++)
                        Assert.True(part[v * rows + r] == batched[(count - sub + v) * rows + r],
                            $"{path} {type}: vector {count - sub + v} row {r} differs in a batch of {sub} and of {count}.");
            }
            for (var v = 0; v < count; v++)
            {
                fixed (float* yp = alone)
                    DotKernels.MatMul(path, type, wp, rowBytes, 0, rows, xp + v * stride, stride, 1, n, yp, rows);
                for (var r = 0; r < rows; r++)
                    Assert.True(alone[r] == batched[v * rows + r], $"{path} {type}: vector {v} row {r}: alone {alone[r]}, batched {batched[v * rows + r]}.");
            }
            // One vector over rows from mid-way and over single rows: a decode step's products take their own loop, and the
            // pool splits its rows at any index.
            foreach (var (from, to) in new[] { (7, rows), (17, 18), (rows - 1, rows) })
            {
                var some = new float[rows];
                fixed (float* yp = some)
                    DotKernels.MatMul(path, type, wp, rowBytes, from, to, xp + 3 * stride, stride, 1, n, yp, rows);
                for (var r = 0; r < rows; r++)
                    Assert.True(r >= from && r < to ? some[r] == batched[3 * rows + r] : some[r] == 0,
                        $"{path} {type}: vector 3 alone over rows {from}..{to - 1}, row {r}: {some[r]}, batched {batched[3 * rows + r]}.");
            }
            // Each row alone, in a batch whose first tiles span the columns and whose last does not (the pool hands
            // out runs of any length; a one-row run once overran the kernel's accumulators).
            foreach (var r in new[] { 0, 17, rows - 1 })
            {
                var oneRow = new float[count * rows];
                fixed (float* yp = oneRow)
                    DotKernels.MatMul(path, type, wp, rowBytes, r, r + 1, xp, stride, count, n, yp, rows);
                for (var v = 0; v < count; v++)
                    for (var other = 0; other < rows; other++)
                        Assert.True(other == r ? oneRow[v * rows + r] == batched[v * rows + r] : oneRow[v * rows + other] == 0,
                            $"{path} {type}: row {r} alone, vector {v}, row {other}: {oneRow[v * rows + other]}.");
            }
            // A row range starting mid-way gives the same rows too (the pool splits rows at any index).
            var tailRows = new float[count * rows];
            fixed (float* yp = tailRows)
                DotKernels.MatMul(path, type, wp, rowBytes, 7, rows, xp, stride, count, n, yp, rows);
            for (var v = 0; v < count; v++)
                for (var r = 7; r < rows; r++)
                    Assert.True(tailRows[v * rows + r] == batched[v * rows + r], $"{path} {type}: rows from 7, vector {v} row {r} differs.");
        }
    }
}
