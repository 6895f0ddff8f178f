using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Umbra.Inference.Tensors;

/// <summary>Integer dot steps in cross-platform Vector128 code (ARM64 lowers the widenings to sxtl/sxtl2).</summary>
internal static class PortableDot
{
    /// <summary>Σ a[i] b[i] over 16 signed bytes, as four partial int sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Bytes16(Vector128<sbyte> a, Vector128<sbyte> b)
    {
        var (al, ah) = Vector128.Widen(a);
        var (bl, bh) = Vector128.Widen(b);
        // |a b| ≤ 128 × 127 fits a short; the sum of two might not, so widen before adding.
        var (p0, p1) = Vector128.Widen(al * bl);
        var (p2, p3) = Vector128.Widen(ah * bh);
        return (p0 + p1) + (p2 + p3);
    }
}
