using System.Runtime.Intrinsics.X86;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Tensors;

/// <summary>
/// The four-instruction widening the F16 KV cache is read through (<see cref="Fp16.ToSingleFinite8"/>, and its 16-wide
/// form <see cref="Fp16.ToSingleFinite16"/>) against .NET's own conversion, for every finite binary16: zeros of both signs, subnormals, normals up to ±65504.
/// </summary>
public unsafe class HalfWideningTests
{
    [Avx2Fact]
    public void Every_finite_half_widens_to_its_exact_value()
    {
        var finite = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).Where(h => (h & 0x7c00) != 0x7c00).ToArray();
        Assert.Equal(2 * (1 << 15) - 2 * 1024, finite.Length);
        fixed (ushort* p = finite)
        {
            for (var i = 0; i + 8 <= finite.Length; i += 8)
            {
                var wide = Fp16.ToSingleFinite8((byte*)(p + i));
                for (var j = 0; j < 8; j++)
                {
                    var expected = (float)BitConverter.UInt16BitsToHalf(finite[i + j]);
                    // Bit for bit, so −0 stays −0.
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(wide[j]),
                        $"half 0x{finite[i + j]:x4}: {wide[j]} vs {expected}");
                }
            }
        }
    }

    [Avx512Fact]
    public void The_16_wide_widening_agrees_lane_for_lane()
    {
        var finite = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).Where(h => (h & 0x7c00) != 0x7c00).ToArray();
        fixed (ushort* p = finite)
        {
            for (var i = 0; i + 16 <= finite.Length; i += 16)
            {
                var wide = Fp16.ToSingleFinite16((byte*)(p + i));
                for (var j = 0; j < 16; j++)
                {
                    var expected = (float)BitConverter.UInt16BitsToHalf(finite[i + j]);
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(wide[j]),
                        $"half 0x{finite[i + j]:x4}: {wide[j]} vs {expected}");
                }
            }
        }
    }
}

/// <summary>A fact that runs where the CPU has AVX-512 F, skipped elsewhere.</summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    public Avx512FactAttribute()
    {
        if (!Avx512F.IsSupported)
            Skip = "This CPU has no AVX-512 F.";
    }
}

/// <summary>A fact that runs where the CPU has AVX2 (every x86-64 CI machine), skipped elsewhere (ARM64).</summary>
public sealed class Avx2FactAttribute : FactAttribute
{
    public Avx2FactAttribute()
    {
        if (!Avx2.IsSupported)
            Skip = "This CPU has no AVX2.";
    }
}

/// <summary>A theory that runs where the CPU has AVX2, skipped elsewhere (ARM64).</summary>
public sealed class Avx2TheoryAttribute : TheoryAttribute
{
    public Avx2TheoryAttribute()
    {
        if (!Avx2.IsSupported)
            Skip = "This CPU has no AVX2.";
    }
}
