using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Umbra.Inference.Tensors;

/// <summary>
/// IEEE binary16 conversions. .NET exposes no F16C intrinsics, so the vector forms rebuild the float from the
/// bits: shifting the 15 magnitude bits into float position and multiplying by 2^112 rebiases the exponent and
/// turns half subnormals into exact float normals in one step; only infinity and NaN need a fix-up.
/// </summary>
internal static class Fp16
{
    private const uint Pow2To112Bits = 0x77800000; // 2^112 = 2^(127 - 15)

    public static float ToSingle(ushort h)
    {
        var mag = (uint)(h & 0x7fff) << 13;
        var bits = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(mag) * BitConverter.UInt32BitsToSingle(Pow2To112Bits));
        if ((h & 0x7c00) == 0x7c00)
            bits = mag | 0x7f800000; // infinity or NaN: keep the payload, saturate the exponent
        return BitConverter.UInt32BitsToSingle(bits | ((uint)(h & 0x8000) << 16));
    }

    /// <summary>Round to nearest even, overflow to infinity: the same result as F16C's VCVTPS2PH with mode 0, which ggml uses.</summary>
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Read(byte* p) => ToSingle(Unsafe.ReadUnaligned<ushort>(p));

    /// <inheritdoc cref="ToSingle(Vector256{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> h)
    {
        var mag = (h & Vector128.Create(0x7fffu)) << 13;
        var bits = (mag.AsSingle() * Vector128.Create(Pow2To112Bits).AsSingle()).AsUInt32();
        var exponent = h & Vector128.Create(0x7c00u);
        var infOrNaN = Vector128.Equals(exponent, Vector128.Create(0x7c00u)) & Vector128.Create(0x7f800000u);
        var sign = (h & Vector128.Create(0x8000u)) << 16;
        return (bits | infOrNaN | sign).AsSingle();
    }

    /// <summary>Converts half bit patterns held one per 32-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var mag = (h & Vector256.Create(0x7fffu)) << 13;
        var bits = (mag.AsSingle() * Vector256.Create(Pow2To112Bits).AsSingle()).AsUInt32();
        var exponent = h & Vector256.Create(0x7c00u);
        var infOrNaN = Vector256.Equals(exponent, Vector256.Create(0x7c00u)) & Vector256.Create(0x7f800000u);
        var sign = (h & Vector256.Create(0x8000u)) << 16;
        return (bits | infOrNaN | sign).AsSingle();
    }

    /// <inheritdoc cref="ToSingle(Vector256{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var mag = (h & Vector512.Create(0x7fffu)) << 13;
        var bits = (mag.AsSingle() * Vector512.Create(Pow2To112Bits).AsSingle()).AsUInt32();
        var exponent = h & Vector512.Create(0x7c00u);
        var infOrNaN = Vector512.Equals(exponent, Vector512.Create(0x7c00u)) & Vector512.Create(0x7f800000u);
        var sign = (h & Vector512.Create(0x8000u)) << 16;
        return (bits | infOrNaN | sign).AsSingle();
    }
}
