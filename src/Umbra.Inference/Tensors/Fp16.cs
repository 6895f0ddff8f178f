using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// IEEE binary16 conversions. .NET exposes no F16C intrinsics, so the vector forms rebuild the float from the
/// bits: a normal half's 15 magnitude bits shifted into float position with the exponent rebiased by an integer
/// add, infinity and NaN saturated, and a subnormal half (exponent 0) converted as its integer mantissa times 2^−24.
/// No step takes a subnormal float operand: on Intel cores each such operand costs a microcode assist of about
/// 100 cycles, which made products of weights with tiny scales (subnormal halves, common in down projections of
/// Q4_K files) several times slower when the conversion multiplied a subnormal by 2^112.
/// </summary>
internal static class Fp16
{
    private const uint Rebias = (127 - 15) << 23;
    private const float TwoToMinus24 = 1f / (1 << 24);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort h)
    {
        uint exponent = h & 0x7c00u, sign = (uint)(h & 0x8000) << 16;
        if (exponent == 0)
        {
            var sub = (h & 0x3ff) * TwoToMinus24; // exact: a 10-bit integer times a power of two
            return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(sub) | sign);
        }
        var bits = ((uint)(h & 0x7fff) << 13) + Rebias;
        if (exponent == 0x7c00)
            bits |= 0x7f800000; // infinity or NaN: keep the payload, saturate the exponent
        return BitConverter.UInt32BitsToSingle(bits | sign);
    }

    /// <summary>Round to nearest even, overflow to infinity: the same result as F16C's VCVTPS2PH with mode 0, which ggml uses.</summary>
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Read(byte* p) => ToSingle(Unsafe.ReadUnaligned<ushort>(p));

    /// <inheritdoc cref="ToSingle(Vector256{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> h)
    {
        var exponent = h & Vector128.Create(0x7c00u);
        var bits = ((h & Vector128.Create(0x7fffu)) << 13) + Vector128.Create(Rebias);
        bits |= Vector128.Equals(exponent, Vector128.Create(0x7c00u)) & Vector128.Create(0x7f800000u);
        var sub = (Vector128.ConvertToSingle((h & Vector128.Create(0x3ffu)).AsInt32()) * Vector128.Create(TwoToMinus24)).AsUInt32();
        bits = Vector128.ConditionalSelect(Vector128.Equals(exponent, Vector128<uint>.Zero), sub, bits);
        return (bits | ((h & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Converts half bit patterns held one per 32-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var exponent = h & Vector256.Create(0x7c00u);
        var bits = ((h & Vector256.Create(0x7fffu)) << 13) + Vector256.Create(Rebias);
        bits |= Vector256.Equals(exponent, Vector256.Create(0x7c00u)) & Vector256.Create(0x7f800000u);
        var sub = (Vector256.ConvertToSingle((h & Vector256.Create(0x3ffu)).AsInt32()) * Vector256.Create(TwoToMinus24)).AsUInt32();
        bits = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), sub, bits);
        return (bits | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>
    /// <see cref="ToSingle(Vector256{uint})"/> in a third of the operations when every lane is a normal half, as
    /// weight scales nearly always are: the magnitude shifted into place and rebiased, the sign put back. A zero,
    /// subnormal, infinite or NaN lane, found by one unsigned compare, sends all 8 to the full conversion, so the
    /// result is the same. Bits 16..31 of each lane are ignored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingleMostlyNormal(Vector256<uint> h)
    {
        var magnitude = h & Vector256.Create(0x7fffu);
        // Exponent 1..30 ⇔ 0x0400 ≤ magnitude < 0x7c00 ⇔ magnitude − 0x0400 < 0x7800, unsigned (below 0x0400 wraps).
        if (!Vector256.LessThanAll(magnitude - Vector256.Create(0x0400u), Vector256.Create(0x7800u)))
            return ToSingle(h);
        return (((magnitude << 13) + Vector256.Create(Rebias)) | ((h << 16) & Vector256.Create(0x80000000u))).AsSingle();
    }

    /// <summary><see cref="ToSingleMostlyNormal(Vector256{uint})"/> for 16 lanes: any lane that is not a normal half sends all 16 to the full conversion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingleMostlyNormal(Vector512<uint> h)
    {
        var magnitude = h & Vector512.Create(0x7fffu);
        if (!Vector512.LessThanAll(magnitude - Vector512.Create(0x0400u), Vector512.Create(0x7800u)))
            return ToSingle(h);
        return (((magnitude << 13) + Vector512.Create(Rebias)) | ((h << 16) & Vector512.Create(0x80000000u))).AsSingle();
    }

    /// <inheritdoc cref="ToSingle(Vector256{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var exponent = h & Vector512.Create(0x7c00u);
        var bits = ((h & Vector512.Create(0x7fffu)) << 13) + Vector512.Create(Rebias);
        bits |= Vector512.Equals(exponent, Vector512.Create(0x7c00u)) & Vector512.Create(0x7f800000u);
        var sub = (Vector512.ConvertToSingle((h & Vector512.Create(0x3ffu)).AsInt32()) * Vector512.Create(TwoToMinus24)).AsUInt32();
        bits = Vector512.ConditionalSelect(Vector512.Equals(exponent, Vector512<uint>.Zero), sub, bits);
        return (bits | ((h & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>
    /// The 8 finite halves at <paramref name="p"/> as floats in four instructions (AVX2), for data that holds no
    /// infinity or NaN (the F16 KV cache, which clamps what it stores, and stores no subnormal either).
    /// Sign-extended to 32 bits and shifted left 13, a half's sign lands in bit 31 and its exponent and mantissa in
    /// bits 27..13, where a float keeps the low bits of its own; masked, that float is the half's value times 2⁻¹¹²,
    /// for normal and subnormal halves alike, and one multiply by 2¹¹² makes it exact. A subnormal half makes that
    /// multiply's operand subnormal, which costs an Intel core a microcode assist (see the class notes) of about 100
    /// cycles, six times the whole conversion's cost where 6 % of the values are subnormal, so data meant for it
    /// leaves subnormals out. An infinity or NaN comes out as a finite value from 2¹⁶ on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> ToSingleFinite8(byte* p)
    {
        var wide = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((short*)p), 13) & Vector256.Create(unchecked((int)0x8FFFE000));
        return wide.AsSingle() * Vector256.Create((127 + 112) << 23).AsSingle();
    }

    /// <summary><see cref="ToSingleFinite8"/> for 16 halves at once (AVX-512 F), with the same result lane for lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> ToSingleFinite16(byte* p)
    {
        var wide = Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)p)), 13) & Vector512.Create(unchecked((int)0x8FFFE000));
        return wide.AsSingle() * Vector512.Create((127 + 112) << 23).AsSingle();
    }
}
