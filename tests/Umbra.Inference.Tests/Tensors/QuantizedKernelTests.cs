using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>
/// The products behind <c>WeightMatrix</c>: every instruction-set path this CPU runs, for every weight type, on
/// awkward sizes (one block, odd block counts, long rows), 5 rows (not a multiple of the 4-vector tile) and 1 to
/// 9 vectors. Two checks per output:
/// <list type="bullet">
/// <item>against the double-precision dot of the dequantized weights with the activations <i>as quantized</i>:
/// within 1e-5 of Σ |w x̂| (only float summation order differs; the integer part is exact);</item>
/// <item>against the float activations: activation quantization moves each x by at most d/2 = max|x|/254 of its
/// block, so the error is at most Σ |w_i| max|x|_block(i) / 254, plus the same 1e-5 of Σ |w x|. This is the error
/// llama.cpp's quantized dot products carry too.</item>
/// </list>
/// </summary>
public unsafe class QuantizedKernelTests
{
    private const double FloatTolerance = 1e-5;
    private const int Rows = 5;

    public static TheoryData<string, string> PathsAndTypes()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in Enum.GetValues<DotPath>().Where(DotKernels.IsSupported))
            foreach (var type in TestVectors.Types)
                data.Add(path.ToString(), type.ToString());
        return data;
    }

    private static int[] Sizes(GgmlType type) => TestVectors.BlockSize(type) switch
    {
        1 => [1, 7, 32, 100, 1027],
        // For the 32-value formats: whole groups of 8 blocks, of 16 (the wide path's), both, and blocks after them.
        // 41 blocks: 2 wide groups, an 8-block group and a block, wide enough that 17 vectors go in spans (paired
        // rows with spans on the wide path).
        // 2048: 4 groups of 16 and nothing after them, summed straight from the wide accumulators.
        32 => [32, 3 * 32, 7 * 32, 8 * 32, 9 * 32, 16 * 32, 17 * 32, 25 * 32, 41 * 32, 2048, 2048 + 5 * 32],
        _ => [256, 3 * 256, 11 * 256],
    };

    [Theory]
    [MemberData(nameof(PathsAndTypes))]
    public void MatMul_agrees_with_the_reference_for_every_size_and_vector_count(string pathName, string typeName)
    {
        var path = Enum.Parse<DotPath>(pathName);
        var type = Enum.Parse<GgmlType>(typeName);
        var format = QuantizedActivations.FormatFor(type, path);
        foreach (var n in Sizes(type))
        {
            var rowBytes = (int)GgmlTypeInfo.RowSize(type, n);
            var w = new byte[Rows * rowBytes];
            for (var r = 0; r < Rows; r++)
                TestVectors.Encode(type, TestVectors.Weights(n, seed: 97 * r + n)).CopyTo(w, r * rowBytes);
            foreach (var count in new[] { 1, 2, 3, 4, 5, 8, 9, 17 })
            {
                var x = TestVectors.Activations(count * n, seed: n + count);
                var (xq, stride) = Prepare(format, x, n, count);
                var y = Enumerable.Repeat(float.NaN, count * Rows).ToArray();
                fixed (byte* wp = w)
                fixed (byte* xp = xq)
                fixed (float* yp = y)
                    DotKernels.MatMul(path, type, wp, rowBytes, 1, Rows, xp, stride, count, n, yp, Rows);

                for (var v = 0; v < count; v++)
                {
                    Assert.True(float.IsNaN(y[v * Rows]), $"{path} {type}: row 0 outside the range was written.");
                    var xv = x.AsSpan(v * n, n);
                    var xhat = format == ActivationFormat.Float ? xv.ToArray() : Dequantize(format, xq.AsSpan((int)(v * stride)), n);
                    for (var r = 1; r < Rows; r++)
                    {
                        var row = w.AsSpan(r * rowBytes, rowBytes);
                        var got = y[v * Rows + r];
                        var what = $"{path} {type} n={n} count={count} v={v} r={r}";
                        var exact = ReferenceKernels.Dot(type, row, xhat);
                        var exactScale = ReferenceKernels.AbsDot(type, row, xhat);
                        Assert.True(Math.Abs(got - exact) <= FloatTolerance * exactScale + 1e-30,
                            $"{what}: got {got}, reference on the quantized activations {exact} (scale {exactScale:E3}).");
                        var expected = ReferenceKernels.Dot(type, row, xv);
                        var bound = ActivationBound(type, row, xv) + FloatTolerance * ReferenceKernels.AbsDot(type, row, xv);
                        Assert.True(Math.Abs(got - expected) <= bound,
                            $"{what}: got {got}, reference {expected}, error {Math.Abs(got - expected):E2} > {bound:E2}.");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The wide layout holds the same values and parts as Q8, only in another order inside whole groups of 16 blocks:
    /// value e of block b at run e/4 (64 bytes each), lane b mod 16. Sizes with no wide group, one, one and a group of
    /// 8 after it, and blocks after both.
    /// </summary>
    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    [InlineData(800)]
    [InlineData(2048 + 5 * 32)]
    public void Q8_wide_activations_are_the_Q8_ones_interleaved_by_16_blocks(int n)
    {
        var x = TestVectors.Weights(n, seed: n + 1);
        var bytes = QuantizedActivations.VectorBytes(ActivationFormat.Q8, n);
        Assert.Equal(bytes, QuantizedActivations.VectorBytes(ActivationFormat.Q8Wide, n));
        var narrow = new byte[bytes];
        var wide = new byte[bytes];
        fixed (float* xp = x)
        fixed (byte* a = narrow)
        fixed (byte* b = wide)
        {
            QuantizedActivations.Quantize(ActivationFormat.Q8, xp, n, a);
            QuantizedActivations.Quantize(ActivationFormat.Q8Wide, xp, n, b);
        }
        // Everything after the values (scales, sums, starts) is the same.
        Assert.Equal(narrow[n..], wide[n..]);
        var seen = new bool[n];
        for (var blk = 0; blk < n / 32; blk++)
            for (var e = 0; e < 32; e++)
            {
                var at = QuantizedActivations.Q8Offset(blk, e, n, wide: true);
                Assert.False(seen[at], $"block {blk} value {e} shares byte {at}");
                seen[at] = true;
                Assert.Equal(narrow[QuantizedActivations.Q8Offset(blk, e, n)], wide[at]);
            }
        if (n >= 512)
            // Block 9, value 5: run 1 of the first wide group, lane 9, byte 1 of the lane.
            Assert.Equal(64 + 9 * 4 + 1, QuantizedActivations.Q8Offset(9, 5, n, wide: true));
        if (n >= 800)
        {
            // Block 16 + 3, value 30, in a second group of 16 (2208 values) or the group of 8 after the first (800).
            Assert.Equal(n >= 1024 ? 512 + 7 * 64 + 3 * 4 + 2 : 512 + 7 * 32 + 3 * 4 + 2, QuantizedActivations.Q8Offset(19, 30, n, wide: true));
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(256)]
    [InlineData(4096)]
    public void Q8_activations_round_to_within_half_a_step_with_exact_sums(int n)
    {
        var x = TestVectors.Weights(n, seed: n); // varied magnitudes per block, a zero stretch
        var bytes = new byte[QuantizedActivations.VectorBytes(ActivationFormat.Q8, n)];
        fixed (float* xp = x)
        fixed (byte* q = bytes)
        {
            QuantizedActivations.QuantizeQ8(xp, n, q);
            var qs = (sbyte*)q;
            var d = QuantizedActivations.Q8Scales(q, n);
            var sums = QuantizedActivations.Q8Sums(q, n);
            var neg8 = QuantizedActivations.Q8Neg8Sums(q, n);
            var neg128 = QuantizedActivations.Q8Neg128Sums(q, n);
            for (var b = 0; b < n / 32; b++)
            {
                var amax = 0f;
                for (var j = 0; j < 32; j++)
                    amax = MathF.Max(amax, MathF.Abs(x[32 * b + j]));
                Assert.Equal(amax / 127, d[b]);
                var block = Enumerable.Range(0, 32).Select(j => (int)qs[QuantizedActivations.Q8Offset(b, j, n)]).ToArray();
                var total = 0;
                for (var j = 0; j < 32; j++)
                {
                    var qv = block[j];
                    Assert.InRange(qv, -127, 127);
                    Assert.True(Math.Abs(x[32 * b + j] - (double)d[b] * qv) <= d[b] * 0.5001, $"block {b} value {j}");
                    total += qv;
                }
                Assert.Equal(total, sums[b]);
                Assert.Equal(-8 * total, neg8[b]);
                Assert.Equal(-128 * total, neg128[b]);
                if (amax > 0)
                    Assert.Contains(block, v => Math.Abs(v) == 127);
            }
        }
    }

    [Theory]
    [InlineData(256)]
    [InlineData(2048)]
    public void Q8K_activations_round_to_within_half_a_step_with_exact_sums(int n)
    {
        var x = TestVectors.Weights(n, seed: n + 1);
        var bytes = new byte[QuantizedActivations.VectorBytes(ActivationFormat.Q8K, n)];
        fixed (float* xp = x)
        fixed (byte* q = bytes)
        {
            QuantizedActivations.QuantizeQ8K(xp, n, q);
            var qs = (sbyte*)q;
            var d = QuantizedActivations.Q8KScales(q, n);
            var bsums = QuantizedActivations.Q8KSums(q, n);
            var starts = QuantizedActivations.Q8KStarts(q, n);
            var subSums = QuantizedActivations.Q8KSubSums(q, n);
            for (var b = 0; b < n / 256; b++)
            {
                var amax = x.AsSpan(256 * b, 256).ToArray().Max(MathF.Abs);
                Assert.Equal(amax / 127, d[b]);
                var block = Enumerable.Range(0, 256).Select(j => (int)qs[QuantizedActivations.Q8KOffset(b, j)]).ToArray();
                Assert.Equal(Enumerable.Range(0, 256).Select(j => 256 * b + j), Enumerable.Range(0, 256).Select(j => QuantizedActivations.Q8KOffset(b, j)).Order());
                for (var j = 0; j < 256; j++)
                    Assert.True(Math.Abs(x[256 * b + j] - (double)d[b] * block[j]) <= d[b] * 0.5001, $"block {b} value {j}");
                var sums16 = Enumerable.Range(0, 16).Select(s => block.Skip(16 * s).Take(16).Sum()).ToArray();
                for (var s = 0; s < 16; s++)
                    Assert.Equal(sums16[s], bsums[16 * b + s]);
                for (var lane = 0; lane < 8; lane++)
                {
                    var sub = QuantizedActivations.Q8KSubBlockOfLane(lane);
                    Assert.Equal(-32 * sums16[2 * sub], starts[16 * b + lane]);
                    Assert.Equal(-32 * sums16[2 * sub + 1], starts[16 * b + 8 + lane]);
                    Assert.Equal(d[b] * (sums16[2 * sub] + sums16[2 * sub + 1]), subSums[8 * b + lane]);
                    // Run k, lane l holds values 4k..4k+3 of sub-block σ(l).
                    for (var k = 0; k < 8; k++)
                        Assert.Equal(QuantizedActivations.Q8KOffset(b, 32 * sub + 4 * k), 256 * b + 32 * k + 4 * lane);
                }
            }
        }
    }

    [Fact]
    public void An_all_zero_vector_quantizes_to_zero_scales_and_values()
    {
        var x = new float[256];
        var bytes = new byte[QuantizedActivations.VectorBytes(ActivationFormat.Q8, 256)];
        Array.Fill(bytes, (byte)0xAB);
        fixed (float* xp = x)
        fixed (byte* q = bytes)
        {
            QuantizedActivations.QuantizeQ8(xp, 256, q);
            for (var i = 0; i < 256; i++)
                Assert.Equal(0, ((sbyte*)q)[i]);
            for (var b = 0; b < 8; b++)
                Assert.Equal(0f, QuantizedActivations.Q8Scales(q, 256)[b]);
        }
    }

    [Fact]
    public void Q4K_scale_unpacking_matches_the_format_definition()
    {
        var rng = new Random(7);
        var scales = new byte[12];
        for (var trial = 0; trial < 1000; trial++)
        {
            rng.NextBytes(scales);
            fixed (byte* p = scales)
            {
                var (sc, mn) = Q4KIntDot.Unpack(p);
                for (var s = 0; s < 8; s++)
                {
                    var (scale, min) = Q4KFormat.ScaleMin(scales, s);
                    Assert.Equal(scale, (int)(byte)(sc >> (8 * s)));
                    Assert.Equal(min, (int)(byte)(mn >> (8 * s)));
                }
            }
        }
    }

    public static TheoryData<string, string, int, int> ExtremeCases()
    {
        var data = new TheoryData<string, string, int, int>();
        foreach (var path in Enum.GetValues<DotPath>().Where(DotKernels.IsSupported))
        {
            // The ends of each format's range (Q4_0 −8 and 7, Q8_0 ±127, Q4_K 0 and 15, Q6_K −32 and 31), against
            // activations that quantize to ±127.
            foreach (var (type, low, high) in new[] { (GgmlType.Q4_0, -8, 7), (GgmlType.Q8_0, -127, 127), (GgmlType.Q4_K, 0, 15), (GgmlType.Q6_K, -32, 31) })
                foreach (var weight in new[] { low, high })
                    foreach (var sign in new[] { 1, -1 })
                        data.Add(path.ToString(), type.ToString(), weight, sign);
        }
        return data;
    }

    /// <summary>
    /// The largest operands the integer formats can hold, against activations that quantize to ±127, on every path:
    /// every block sums to the same extreme integer, and the product is exact (scales of 1; every partial sum is a
    /// multiple of a block's sum with few enough significant bits for a float to hold it). A kernel whose 16-bit
    /// intermediate sums (vpmaddubsw, and the AVX2 kernels' pair sums added as shorts before widening) could overflow
    /// would be off here by a multiple of 65,536. Batches of 3 and 17 vectors: Q8_0 on the AVX2 path takes its sign
    /// trick below 4 vectors and splits its bytes from 4 on.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void Extreme_weights_against_extreme_activations_sum_exactly(string pathName, string typeName, int weight, int sign)
    {
        var path = Enum.Parse<DotPath>(pathName);
        var type = Enum.Parse<GgmlType>(typeName);
        // For the 32-value formats 4 whole groups of 16 blocks, one of 8 and 3 blocks left over (the wide path takes
        // each part its own way); 3 super-blocks for the K formats.
        var n = TestVectors.BlockSize(type) == 32 ? 2048 + 256 + 3 * 32 : 3 * 256;
        var rowBytes = (int)GgmlTypeInfo.RowSize(type, n);
        var w = new byte[3 * rowBytes];
        var block = GgmlTypeInfo.Geometry(type).TypeSize;
        for (var b = 0; b < w.Length / block; b++)
            ExtremeBlock(type, weight).CopyTo(w, b * block);
        Assert.Equal(Enumerable.Repeat((float)weight, n), TestVectors.Decode(type, w[..rowBytes], n));
        var expected = (float)((long)weight * 127 * sign * n);
        foreach (var count in new[] { 3, 17 }) // 17: a full tile and one more
        {
            var x = Enumerable.Repeat(127f * sign, count * n).ToArray();
            var (xq, stride) = Prepare(QuantizedActivations.FormatFor(type, path), x, n, count);
            var y = new float[count * 3];
            fixed (byte* wp = w)
            fixed (byte* xp = xq)
            fixed (float* yp = y)
                DotKernels.MatMul(path, type, wp, rowBytes, 0, 3, xp, stride, count, n, yp, 3);
            for (var i = 0; i < y.Length; i++)
                Assert.True(y[i] == expected, $"{path} {type}, {count} vectors: weights {weight} against {127 * sign}: output {i} is {y[i]}, expected {expected}.");
        }
    }

    /// <summary>
    /// Block scales of every finite kind (zero, negative zero, subnormal, the smallest and largest normals, negative
    /// ones) in every block position of the wide path's 16-block groups, where Q4_0's and Q8_0's scales are picked out
    /// of the group by byte permutes (or gathered) and widened from binary16: each row's product matches the reference
    /// on the same quantized activations, for one vector and for batches, on every path. The last row has normal
    /// scales only, the boundary ones included, so the conversion's short path meets them too.
    /// </summary>
    [Theory]
    [MemberData(nameof(PathsAndTypes))]
    public void Block_scales_of_every_kind_are_read_in_every_position(string pathName, string typeName)
    {
        var path = Enum.Parse<DotPath>(pathName);
        var type = Enum.Parse<GgmlType>(typeName);
        if (type is not (GgmlType.Q4_0 or GgmlType.Q8_0))
            return;
        ushort[] kinds = [0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0xBC00, 0x2E66];
        ushort[] normals = [0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0xBC00, 0x2E66, 0x8400];
        const int n = 2048, rows = 7;
        var rowBytes = (int)GgmlTypeInfo.RowSize(type, n);
        var block = GgmlTypeInfo.Geometry(type).TypeSize;
        var w = new byte[rows * rowBytes];
        for (var r = 0; r < rows; r++)
        {
            TestVectors.Encode(type, TestVectors.Weights(n, seed: 13 * r + 1)).CopyTo(w, r * rowBytes);
            // Row r gives block b the kind (b + r) mod 10, so each kind meets every position of a group.
            for (var b = 0; b < n / 32; b++)
                BitConverter.TryWriteBytes(w.AsSpan(r * rowBytes + b * block, 2), r == rows - 1 ? normals[b % normals.Length] : kinds[(b + r) % kinds.Length]);
        }
        var format = QuantizedActivations.FormatFor(type, path);
        foreach (var count in new[] { 1, 16 })
        {
            var x = TestVectors.Activations(count * n, seed: 5 + count);
            var (xq, stride) = Prepare(format, x, n, count);
            var y = new float[count * rows];
            fixed (byte* wp = w)
            fixed (byte* xp = xq)
            fixed (float* yp = y)
                DotKernels.MatMul(path, type, wp, rowBytes, 0, rows, xp, stride, count, n, yp, rows);
            for (var v = 0; v < count; v++)
            {
                var xv = x.AsSpan(v * n, n);
                var xhat = format == ActivationFormat.Float ? xv.ToArray() : Dequantize(format, xq.AsSpan((int)(v * stride)), n);
                for (var r = 0; r < rows; r++)
                {
                    var row = w.AsSpan(r * rowBytes, rowBytes);
                    var exact = ReferenceKernels.Dot(type, row, xhat);
                    var scale = ReferenceKernels.AbsDot(type, row, xhat);
                    var got = y[v * rows + r];
                    Assert.True(Math.Abs(got - exact) <= FloatTolerance * scale + 1e-30,
                        $"{path} {type} count={count} v={v} r={r}: got {got}, reference {exact} (scale {scale:E3}).");
                }
            }
        }
    }

    /// <summary>
    /// The byte permutes that pick a 16-block group's scales out of its bytes (on CPUs with AVX-512 VBMI) put block i's
    /// binary16 scale in the low half of lane i, for Q4_0's 18-byte and Q8_0's 34-byte blocks, reading only the group:
    /// it ends at a page with no access, so a read past it would crash the test.
    /// </summary>
    [Theory]
    [InlineData(18)]
    [InlineData(34)]
    public void Wide_group_scales_are_each_blocks_own(int blockBytes)
    {
        if (!System.Runtime.Intrinsics.X86.Avx512Vbmi.IsSupported)
            return;
        var groupBytes = 16 * blockBytes;
        using var region = new GuardedRegion(groupBytes);
        var rng = new Random(blockBytes);
        for (var i = 0; i < groupBytes; i++)
            region.Start[i] = (byte)rng.Next(256);
        var lanes = new uint[16];
        fixed (uint* l = lanes)
        {
            var v = blockBytes == 18 ? Q8WideTiles.Q4_0Scales16(region.Start) : Q8WideTiles.Q8_0Scales16(region.Start);
            System.Runtime.Intrinsics.Vector512.Store(v, l);
        }
        for (var i = 0; i < 16; i++)
            Assert.Equal(BitConverter.ToUInt16(new ReadOnlySpan<byte>(region.Start + i * blockBytes, 2)), (ushort)lanes[i]);
    }

    /// <summary><paramref name="bytes"/> of memory that end where an inaccessible page begins (Linux and macOS; elsewhere a plain allocation).</summary>
    private sealed class GuardedRegion : IDisposable
    {
        private readonly byte* _base;
        private readonly nuint _length;

        public GuardedRegion(int bytes)
        {
            var page = (nuint)Environment.SystemPageSize;
            var pages = ((nuint)bytes + page - 1) / page;
            _length = (pages + 1) * page;
            _base = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(_length, page);
            Start = _base + pages * page - bytes;
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
                Assert.Equal(0, Mprotect(_base + pages * page, page, 0));
        }

        public byte* Start { get; }

        public void Dispose()
        {
            // A page that stays inaccessible is left allocated rather than handed back to the allocator.
            if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
                && Mprotect(_base + _length - (nuint)Environment.SystemPageSize, (nuint)Environment.SystemPageSize, 3) != 0)
                return;
            System.Runtime.InteropServices.NativeMemory.AlignedFree(_base);
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mprotect")]
        private static extern int Mprotect(void* address, nuint length, int protection);
    }

    /// <summary>
    /// One block of <paramref name="type"/> whose every value is <paramref name="value"/>, written directly with
    /// scales of 1 at the end of the stored range (the quantizers would give Q4_0's 7 as nibble 0 under a scale of −0.875).
    /// </summary>
    private static byte[] ExtremeBlock(GgmlType type, int value)
    {
        const byte one = 0x3C; // high byte of binary16 1.0 (0x3C00)
        var block = new byte[GgmlTypeInfo.Geometry(type).TypeSize];
        switch (type)
        {
            case GgmlType.Q4_0:
                block[1] = one;
                block.AsSpan(2).Fill((byte)((value + 8) * 0x11));
                break;
            case GgmlType.Q8_0:
                block[1] = one;
                block.AsSpan(2).Fill((byte)(sbyte)value);
                break;
            case GgmlType.Q4_K:
                // d = 1, dmin = 0; every sub-block's 6-bit scale 1 and min 0 (scale bytes 0..3 and the low nibbles of 8..11).
                block[1] = one;
                block.AsSpan(Q4KFormat.ScalesOffset, 4).Fill(1);
                block.AsSpan(Q4KFormat.ScalesOffset + 8, 4).Fill(1);
                block.AsSpan(Q4KFormat.QsOffset).Fill((byte)(value * 0x11));
                break;
            case GgmlType.Q6_K:
                // q = value + 32 in 0..63: its low nibbles in ql, its top 2 bits in every 2-bit field of qh.
                var q = value + 32;
                block.AsSpan(0, Q6KFormat.QhOffset).Fill((byte)((q & 0xF) * 0x11));
                block.AsSpan(Q6KFormat.QhOffset, Q6KFormat.ScalesOffset - Q6KFormat.QhOffset).Fill((byte)((q >> 4) * 0x55));
                block.AsSpan(Q6KFormat.ScalesOffset, 16).Fill(1);
                block[Q6KFormat.DOffset + 1] = one;
                break;
        }
        return block;
    }

    [Fact]
    public void The_best_path_is_supported_and_prefers_integer_dot_instructions_when_present()
    {
        Assert.True(DotKernels.IsSupported(DotKernels.BestPath));
        // The widest path, as BestPath is unless UMBRA_DOT_PATH names another.
        var widest = DotKernels.Choose(null);
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported)
            Assert.True(widest is DotPath.AvxVnni or DotPath.Avx512);
        // AVX-512 without AVX-VNNI: Q4_0 and Q8_0 in 512-bit short sums rather than 256-bit ones.
        else if (DotKernels.IsSupported(DotPath.Avx512) && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            Assert.Equal(DotPath.Avx512Wide, widest);
    }

    /// <summary>The activations laid out as <see cref="DotKernels.MatMul"/> expects them.</summary>
    internal static (byte[] Data, long Stride) Prepare(ActivationFormat format, float[] x, int n, int count)
    {
        var stride = QuantizedActivations.VectorBytes(format, n);
        var data = new byte[stride * count];
        fixed (float* xp = x)
        fixed (byte* q = data)
            for (var v = 0; v < count; v++)
                QuantizedActivations.Quantize(format, xp + v * n, n, q + v * stride);
        return (data, stride);
    }

    private static float[] Dequantize(ActivationFormat format, ReadOnlySpan<byte> data, int n)
    {
        var x = new float[n];
        fixed (byte* q = data)
        {
            var q8 = format is ActivationFormat.Q8 or ActivationFormat.Q8Wide;
            var block = q8 ? 32 : 256;
            var d = q8 ? QuantizedActivations.Q8Scales(q, n) : QuantizedActivations.Q8KScales(q, n);
            for (var i = 0; i < n; i++)
                x[i] = d[i / block] * ((sbyte*)q)[q8 ? QuantizedActivations.Q8Offset(i / block, i % block, n, format == ActivationFormat.Q8Wide) : QuantizedActivations.Q8KOffset(i / block, i % block)];
        }
        return x;
    }

    /// <summary>Σ |w_i| × max|x| over i's activation block / 254: the most activation rounding can move the dot.</summary>
    private static double ActivationBound(GgmlType type, ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        // The bound depends only on the block size, which every path's format for a type shares.
        var format = QuantizedActivations.FormatFor(type, DotPath.Scalar);
        if (format == ActivationFormat.Float)
            return 0;
        var block = format == ActivationFormat.Q8 ? 32 : 256;
        var w = new float[x.Length];
        Quantization.Dequantize(type, row, w);
        var bound = 0.0;
        for (var b = 0; b < x.Length / block; b++)
        {
            double amax = 0, wsum = 0;
            for (var i = b * block; i < (b + 1) * block; i++)
            {
                amax = Math.Max(amax, Math.Abs(x[i]));
                wsum += Math.Abs(w[i]);
            }
            bound += wsum * amax / 254 * 1.001;
        }
        return bound;
    }
}
