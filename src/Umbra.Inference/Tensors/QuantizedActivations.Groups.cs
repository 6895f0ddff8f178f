using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Eight blocks of 32 values quantized at once in 256-bit registers, straight into the interleaved runs the tiles
/// read: a whole Q8 group (<see cref="QuantizeQ8"/>) or a Q8_K super-block (<see cref="QuantizeQ8K"/>). The same
/// scales, values and sums as the block-by-block code, bit for bit, since each step is exact or correctly rounded in
/// both: the largest magnitude, d = max / 127, 127 / max, the product x × (127 / max) rounded to nearest-even, and
/// integer sums. The 8 blocks' largest magnitudes are folded into one register (lane i for block i), so the scales
/// take one division each for all 8; each block's 32 values are multiplied, converted and packed to bytes; the 8
/// blocks' bytes are transposed as 4-byte units into the runs; the sums come from the converted ints. About ten
/// times faster than block by block, which paid a scalar sum and scattered stores per block (docs/BENCHMARKS.md).
/// </summary>
internal static unsafe partial class QuantizedActivations
{
    /// <summary>
    /// Quantizes the 8 blocks of 32 values at <paramref name="x"/>: block i's scale to ds[i], Σ q, −8 Σ q and −128 Σ q
    /// to sums[i], neg8[i] and neg128[i], and run k of the group (values 4k..4k+3 of blocks 0..7, block i at bytes
    /// 4i..4i+3) to <paramref name="runs"/> + k × <paramref name="runStride"/>. Writes nothing and returns false when a
    /// block holds a NaN or an infinity or only values too small for 127 / max to be finite, for the block-by-block
    /// code to handle as it always has.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool QuantizeGroup8(float* x, sbyte* runs, int runStride, float* ds, int* sums, int* neg8, int* neg128)
    {
        // |x| as bits: for non-negative floats the integer order is the float order, and NaNs sort above infinity.
        var m = MaxLanes8(BlockMaxBits(x), BlockMaxBits(x + 32), BlockMaxBits(x + 64), BlockMaxBits(x + 96),
            BlockMaxBits(x + 128), BlockMaxBits(x + 160), BlockMaxBits(x + 192), BlockMaxBits(x + 224));
        if (!TryScales(m, out var d, out var id))
            return false;
        d.Store(ds);

        var q0 = QuantizeBlock(x, Avx2.PermuteVar8x32(id, Vector256.Create(0)), out var l0, out var h0);
        var q1 = QuantizeBlock(x + 32, Avx2.PermuteVar8x32(id, Vector256.Create(1)), out var l1, out var h1);
        var q2 = QuantizeBlock(x + 64, Avx2.PermuteVar8x32(id, Vector256.Create(2)), out var l2, out var h2);
        var q3 = QuantizeBlock(x + 96, Avx2.PermuteVar8x32(id, Vector256.Create(3)), out var l3, out var h3);
        var q4 = QuantizeBlock(x + 128, Avx2.PermuteVar8x32(id, Vector256.Create(4)), out var l4, out var h4);
        var q5 = QuantizeBlock(x + 160, Avx2.PermuteVar8x32(id, Vector256.Create(5)), out var l5, out var h5);
        var q6 = QuantizeBlock(x + 192, Avx2.PermuteVar8x32(id, Vector256.Create(6)), out var l6, out var h6);
        var q7 = QuantizeBlock(x + 224, Avx2.PermuteVar8x32(id, Vector256.Create(7)), out var l7, out var h7);

        var total = SumLanes8(l0 + h0, l1 + h1, l2 + h2, l3 + h3, l4 + h4, l5 + h5, l6 + h6, l7 + h7);
        total.Store(sums);
        var negative = Vector256<int>.Zero - total;
        Avx2.ShiftLeftLogical(negative, 3).Store(neg8);
        Avx2.ShiftLeftLogical(negative, 7).Store(neg128);
        StoreRuns(q0, q1, q2, q3, q4, q5, q6, q7, runs, runStride);
        return true;
    }

    /// <summary>
    /// From the bits of each lane's largest |x| (<paramref name="maxBits"/>), d = max / 127 and id = 127 / max (0 where
    /// max is 0), as the block-by-block code computes them. False when a lane's max is a NaN or an infinity, or so small
    /// (below 127 / float.MaxValue) that 127 / max overflows: the block-by-block code's saturating conversion and
    /// narrowing decide those.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryScales(Vector256<int> maxBits, out Vector256<float> d, out Vector256<float> id)
    {
        var amax = maxBits.AsSingle();
        id = Vector256.AndNot(Vector256.Create(127f) / amax, Vector256.Equals(amax, Vector256<float>.Zero));
        d = amax / Vector256.Create(127f);
        return Avx.MoveMask(Avx2.CompareGreaterThan(maxBits, Vector256.Create(0x7F7FFFFF)).AsSingle() | Vector256.Equals(id, Vector256.Create(float.PositiveInfinity))) == 0;
    }

    /// <summary>The bits of the largest |x| among 32 values, per lane of 8 (a lane of the 4 loads each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockMaxBits(float* x)
    {
        var magnitude = Vector256.Create(0x7FFFFFFF);
        var a = Vector256.Load((int*)x) & magnitude;
        var b = Vector256.Load((int*)x + 8) & magnitude;
        var c = Vector256.Load((int*)x + 16) & magnitude;
        var e = Vector256.Load((int*)x + 24) & magnitude;
        return Avx2.Max(Avx2.Max(a, b), Avx2.Max(c, e));
    }

    /// <summary>
    /// Quantizes the Q8_K super-block of 256 values at <paramref name="x"/> as the block-by-block code does (see
    /// QuantizedActivations.Q8K.cs): one scale for the 256, the 8 sub-blocks' bytes transposed into the runs in the
    /// lane order σ = 0, 2, 4, 6, 1, 3, 5, 7, the sums of each run of 16 in plain order, the starts and the scaled
    /// sub-block sums in lane order. Writes nothing and returns false in the cases <see cref="QuantizeGroup8"/> leaves
    /// to the block-by-block code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool QuantizeSuperBlock(float* x, sbyte* runs, float* ds, short* sums16, int* starts, float* subSums)
    {
        var m = Avx2.Max(
            Avx2.Max(Avx2.Max(BlockMaxBits(x), BlockMaxBits(x + 32)), Avx2.Max(BlockMaxBits(x + 64), BlockMaxBits(x + 96))),
            Avx2.Max(Avx2.Max(BlockMaxBits(x + 128), BlockMaxBits(x + 160)), Avx2.Max(BlockMaxBits(x + 192), BlockMaxBits(x + 224))));
        m = Avx2.Max(m, Avx2.Permute2x128(m, m, 0x01));
        m = Avx2.Max(m, Avx2.Shuffle(m, 0b01_00_11_10));
        m = Avx2.Max(m, Avx2.Shuffle(m, 0b10_11_00_01));
        if (!TryScales(m, out var d, out var id))
            return false;
        *ds = d.ToScalar();

        var q0 = QuantizeBlock(x, id, out var l0, out var h0);
        var q1 = QuantizeBlock(x + 32, id, out var l1, out var h1);
        var q2 = QuantizeBlock(x + 64, id, out var l2, out var h2);
        var q3 = QuantizeBlock(x + 96, id, out var l3, out var h3);
        var q4 = QuantizeBlock(x + 128, id, out var l4, out var h4);
        var q5 = QuantizeBlock(x + 160, id, out var l5, out var h5);
        var q6 = QuantizeBlock(x + 192, id, out var l6, out var h6);
        var q7 = QuantizeBlock(x + 224, id, out var l7, out var h7);

        // Sub-block i's first and second 16 in lane i; interleaved, they are the 16 runs' sums in plain order.
        var low = SumLanes8(l0, l1, l2, l3, l4, l5, l6, l7);
        var high = SumLanes8(h0, h1, h2, h3, h4, h5, h6, h7);
        Avx2.PackSignedSaturate(Avx2.UnpackLow(low, high), Avx2.UnpackHigh(low, high)).Store(sums16);
        var sigma = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var lowByLane = Avx2.PermuteVar8x32(low, sigma);
        var highByLane = Avx2.PermuteVar8x32(high, sigma);
        Avx2.ShiftLeftLogical(Vector256<int>.Zero - lowByLane, 5).Store(starts);
        Avx2.ShiftLeftLogical(Vector256<int>.Zero - highByLane, 5).Store(starts + 8);
        (d * Avx.ConvertToVector256Single(lowByLane + highByLane)).Store(subSums);
        StoreRuns(q0, q2, q4, q6, q1, q3, q5, q7, runs, 32);
        return true;
    }

    /// <summary>
    /// One block's 32 values as bytes, q = round-to-nearest-even(x × <paramref name="scale"/>) (the conversion rounds
    /// by the default mode, as Vector256.Round does), with the sums of the ints of values 0..15 and 16..31 in 8 lanes
    /// each. The packs leave the 4-byte units in the order 0, 2, 4, 6, 1, 3, 5, 7 of the plain block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> QuantizeBlock(float* x, Vector256<float> scale, out Vector256<int> low, out Vector256<int> high)
    {
        var i0 = Avx.ConvertToVector256Int32(Vector256.Load(x) * scale);
        var i1 = Avx.ConvertToVector256Int32(Vector256.Load(x + 8) * scale);
        var i2 = Avx.ConvertToVector256Int32(Vector256.Load(x + 16) * scale);
        var i3 = Avx.ConvertToVector256Int32(Vector256.Load(x + 24) * scale);
        low = i0 + i1;
        high = i2 + i3;
        // Per 128-bit half: i0's 4 values, i1's, i2's, i3's (low half values 0..3 of each, high half 4..7).
        return Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3)).AsInt32();
    }

    /// <summary>
    /// Transposes 8 blocks' bytes (from <see cref="QuantizeBlock"/>, rows 0..7) as 8 × 8 units of 4 bytes into runs:
    /// run k, at <paramref name="runs"/> + k × <paramref name="runStride"/>, holds unit k of rows 0..7. The packs left
    /// each row's units in the order 0, 2, 4, 6, 1, 3, 5, 7, so column j of the transpose is run P(j).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRuns(Vector256<int> q0, Vector256<int> q1, Vector256<int> q2, Vector256<int> q3,
        Vector256<int> q4, Vector256<int> q5, Vector256<int> q6, Vector256<int> q7, sbyte* runs, int runStride)
    {
        var t0 = Avx2.UnpackLow(q0, q1);
        var t1 = Avx2.UnpackHigh(q0, q1);
        var t2 = Avx2.UnpackLow(q2, q3);
        var t3 = Avx2.UnpackHigh(q2, q3);
        var t4 = Avx2.UnpackLow(q4, q5);
        var t5 = Avx2.UnpackHigh(q4, q5);
        var t6 = Avx2.UnpackLow(q6, q7);
        var t7 = Avx2.UnpackHigh(q6, q7);
        var u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64());
        var u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64());
        var u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64());
        var u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64());
        var u4 = Avx2.UnpackLow(t4.AsInt64(), t6.AsInt64());
        var u5 = Avx2.UnpackHigh(t4.AsInt64(), t6.AsInt64());
        var u6 = Avx2.UnpackLow(t5.AsInt64(), t7.AsInt64());
        var u7 = Avx2.UnpackHigh(t5.AsInt64(), t7.AsInt64());
        Avx2.Permute2x128(u0, u4, 0x20).Store((long*)runs);
        Avx2.Permute2x128(u1, u5, 0x20).Store((long*)(runs + 2 * runStride));
        Avx2.Permute2x128(u2, u6, 0x20).Store((long*)(runs + 4 * runStride));
        Avx2.Permute2x128(u3, u7, 0x20).Store((long*)(runs + 6 * runStride));
        Avx2.Permute2x128(u0, u4, 0x31).Store((long*)(runs + runStride));
        Avx2.Permute2x128(u1, u5, 0x31).Store((long*)(runs + 3 * runStride));
        Avx2.Permute2x128(u2, u6, 0x31).Store((long*)(runs + 5 * runStride));
        Avx2.Permute2x128(u3, u7, 0x31).Store((long*)(runs + 7 * runStride));
    }

    /// <summary>Lane i = the largest of a_i's 8 lanes (signed), by three rounds of unpacking.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MaxLanes8(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3,
        Vector256<int> a4, Vector256<int> a5, Vector256<int> a6, Vector256<int> a7)
    {
        var b0 = Avx2.Max(Avx2.UnpackLow(a0, a1), Avx2.UnpackHigh(a0, a1));
        var b1 = Avx2.Max(Avx2.UnpackLow(a2, a3), Avx2.UnpackHigh(a2, a3));
        var b2 = Avx2.Max(Avx2.UnpackLow(a4, a5), Avx2.UnpackHigh(a4, a5));
        var b3 = Avx2.Max(Avx2.UnpackLow(a6, a7), Avx2.UnpackHigh(a6, a7));
        var c0 = Avx2.Max(Avx2.UnpackLow(b0.AsInt64(), b1.AsInt64()).AsInt32(), Avx2.UnpackHigh(b0.AsInt64(), b1.AsInt64()).AsInt32());
        var c1 = Avx2.Max(Avx2.UnpackLow(b2.AsInt64(), b3.AsInt64()).AsInt32(), Avx2.UnpackHigh(b2.AsInt64(), b3.AsInt64()).AsInt32());
        return Avx2.Max(Avx2.Permute2x128(c0, c1, 0x20), Avx2.Permute2x128(c0, c1, 0x31));
    }

    /// <summary>Lane i = the sum of a_i's 8 lanes (exact in ints, so the order does not matter).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SumLanes8(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3,
        Vector256<int> a4, Vector256<int> a5, Vector256<int> a6, Vector256<int> a7)
    {
        var k0 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
        var k1 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a4, a5), Avx2.HorizontalAdd(a6, a7));
        return Avx2.Permute2x128(k0, k1, 0x20) + Avx2.Permute2x128(k0, k1, 0x31);
    }
}
