using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Dot products of weight rows, in any supported <see cref="GgmlType"/> layout, with float vectors. The widest
/// instruction set the CPU offers is picked once at start-up (or the one UMBRA_DOT_PATH names, see
/// <see cref="BestPath"/>); the runtime's own switches (for instance DOTNET_EnableAVX512=0) narrow it. Nothing here
/// allocates.
/// </summary>
public static class DotKernels
{
    /// <summary>
    /// The path the public methods and the engine use: the widest this CPU runs, or the one the UMBRA_DOT_PATH
    /// environment variable names (for instance Avx2, to compare paths on one machine) when the CPU runs that.
    /// </summary>
    internal static DotPath BestPath { get; } = Choose(Environment.GetEnvironmentVariable("UMBRA_DOT_PATH"));

    /// <summary><paramref name="requested"/> (a <see cref="DotPath"/> name, any case) if this CPU runs it, else the widest path it runs.</summary>
    internal static DotPath Choose(string? requested) =>
        TryParsePath(requested, out var path) && IsSupported(path) ? path
        : IsSupported(DotPath.Avx512) && Vector512.IsHardwareAccelerated ? (AvxVnni.IsSupported ? DotPath.Avx512 : DotPath.Avx512Wide)
        : IsSupported(DotPath.AvxVnni) ? DotPath.AvxVnni
        : IsSupported(DotPath.Avx2) ? DotPath.Avx2
        : IsSupported(DotPath.Portable) ? DotPath.Portable
        : DotPath.Scalar;

    /// <summary>The path named <paramref name="name"/>, in any case; whole names only (no numbers, no combinations).</summary>
    internal static bool TryParsePath(string? name, out DotPath path)
    {
        foreach (var p in Enum.GetValues<DotPath>())
        {
            if (string.Equals(p.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                path = p;
                return true;
            }
        }
        path = default;
        return false;
    }

    internal static bool IsSupported(DotPath path) => path switch
    {
        DotPath.Scalar => true,
        DotPath.Portable => Vector128.IsHardwareAccelerated,
        DotPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        DotPath.AvxVnni => Avx2.IsSupported && Fma.IsSupported && AvxVnni.IsSupported,
        DotPath.Avx512 or DotPath.Avx512Wide => Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>Dot product of one weight row of <paramref name="n"/> elements (in <paramref name="type"/>'s layout) with <paramref name="x"/>.</summary>
    public static unsafe float Dot(GgmlType type, byte* row, float* x, int n) => Dot(BestPath, type, row, x, n);

    /// <summary>
    /// y[r] = dot(row r of W, x) for r in [<paramref name="rowStart"/>, <paramref name="rowEnd"/>), with W
    /// row-major and row r starting at w + r * <paramref name="rowBytes"/>. Safe to call from several threads
    /// on disjoint row ranges.
    /// </summary>
    public static unsafe void MatVec(GgmlType type, byte* w, long rowBytes, float* x, int n, float* y, int rowStart, int rowEnd) =>
        MatVec(BestPath, type, w, rowBytes, x, n, y, rowStart, rowEnd);

    internal static unsafe float Dot(DotPath path, GgmlType type, byte* row, float* x, int n)
    {
        var kernel = Resolve(path, type, n, nameof(n));
        if (n == 0)
            return 0;
        if (row == null || x == null)
            throw new ArgumentNullException(row == null ? nameof(row) : nameof(x), "Dot was given a null pointer for a non-empty row.");
        return kernel(row, x, n);
    }

    internal static unsafe void MatVec(DotPath path, GgmlType type, byte* w, long rowBytes, float* x, int n, float* y, int rowStart, int rowEnd)
    {
        var kernel = Resolve(path, type, n, nameof(n));
        var minRowBytes = GgmlTypeInfo.RowSize(type, n);
        if (rowBytes < minRowBytes)
            throw new ArgumentOutOfRangeException(nameof(rowBytes), rowBytes, $"A row of {n} {type} values takes {minRowBytes} bytes, more than the row stride of {rowBytes}.");
        if (rowStart < 0 || rowEnd < rowStart)
            throw new ArgumentOutOfRangeException(nameof(rowStart), $"Row range [{rowStart}, {rowEnd}) is not a valid range of non-negative row indices.");
        if (rowStart == rowEnd)
            return;
        if (y == null || (n > 0 && (w == null || x == null)))
            throw new ArgumentNullException(y == null ? nameof(y) : w == null ? nameof(w) : nameof(x), "MatVec was given a null pointer.");
        for (var r = rowStart; r < rowEnd; r++)
            y[r] = n == 0 ? 0 : kernel(w + r * rowBytes, x, n);
    }

    /// <summary>
    /// Y[v, r] = dot(row r of W, vector v) for r in [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) and
    /// v &lt; <paramref name="count"/>, with Y[v, r] at y + v * <paramref name="yStride"/> + r. The vectors, each
    /// <paramref name="xStride"/> bytes apart, are in <see cref="QuantizedActivations.FormatFor"/>(type, path)'s layout
    /// (plain floats for the float formats). Safe to call from several threads on disjoint row ranges; the caller
    /// has validated the shapes.
    /// </summary>
    internal static unsafe void MatMul(DotPath path, GgmlType type, byte* w, long rowBytes, int rowStart, int rowEnd,
        byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        if (rowStart >= rowEnd || count <= 0)
            return;
        if (n == 0)
        {
            for (var v = 0; v < count; v++)
                new Span<float>(y + v * yStride + rowStart, rowEnd - rowStart).Clear();
            return;
        }
        var kernel = ResolveMatMul(path, type);
        if (kernel != null)
        {
            kernel(w, rowBytes, rowStart, rowEnd, xq, xStride, count, n, y, yStride);
            return;
        }
        var dot = Resolve(path, type, n, nameof(n));
        for (var r = rowStart; r < rowEnd; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
                y[v * yStride + r] = dot(row, (float*)(xq + v * xStride), n);
        }
    }

    /// <summary>Whether <paramref name="path"/>'s integer dots are vpdpbusd: the Avx512 path's are 256-bit (see <see cref="DotPath.Avx512"/>), VNNI where the CPU has it.</summary>
    internal static bool UsesVnni(DotPath path) => path == DotPath.AvxVnni || (path is DotPath.Avx512 or DotPath.Avx512Wide && AvxVnni.IsSupported);

    /// <summary>The quantized-activation kernel for a quantized type, or null for the float formats.</summary>
    private static unsafe delegate*<byte*, long, int, int, byte*, long, int, int, float*, long, void> ResolveMatMul(DotPath path, GgmlType type)
    {
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"This CPU cannot run the {path} dot kernels.");
        var vnni = UsesVnni(path);
        var x86 = path is DotPath.Avx2 or DotPath.AvxVnni or DotPath.Avx512 or DotPath.Avx512Wide;
        return type switch
        {
            GgmlType.Q4_0 when path == DotPath.Avx512Wide => &Q4_0IntDot.WidePath,
            GgmlType.Q8_0 when path == DotPath.Avx512Wide => &Q8_0IntDot.WidePath,
            GgmlType.Q8_0 => vnni ? &Q8_0IntDot.VnniPath : x86 ? &Q8_0IntDot.Avx2Path : path == DotPath.Portable ? &Q8_0IntDot.Portable : &Q8_0IntDot.Scalar,
            GgmlType.Q4_0 => vnni ? &Q4_0IntDot.VnniPath : x86 ? &Q4_0IntDot.Avx2Path : path == DotPath.Portable ? &Q4_0IntDot.Portable : &Q4_0IntDot.Scalar,
            // No Vector128 K-quant kernels yet: the portable path runs the scalar integer ones.
            GgmlType.Q4_K => vnni ? &Q4KIntDot.VnniPath : x86 ? &Q4KIntDot.Avx2Path : &Q4KIntDot.Scalar,
            GgmlType.Q6_K => vnni ? &Q6KIntDot.VnniPath : x86 ? &Q6KIntDot.Avx2Path : &Q6KIntDot.Scalar,
            _ => null,
        };
    }

    /// <summary>Validates the arguments every entry point shares and picks the kernel.</summary>
    private static unsafe delegate*<byte*, float*, int, float> Resolve(DotPath path, GgmlType type, int n, string nParam)
    {
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"This CPU cannot run the {path} dot kernels.");
        if (!GgmlTypeInfo.IsSupportedWeightType(type))
            throw new ArgumentException($"The dot kernels do not support {type} weights; supported: {Quantization.SupportedTypeNames}.", nameof(type));
        var block = GgmlTypeInfo.Geometry(type).BlockSize;
        if (n < 0 || n % block != 0)
            throw new ArgumentException($"n = {n} is not a non-negative multiple of the {type} block size {block}.", nParam);

        return (type, path) switch
        {
            (GgmlType.F32, DotPath.Avx512 or DotPath.Avx512Wide) => &FloatDot.F32Avx512,
            (GgmlType.F32, DotPath.Avx2 or DotPath.AvxVnni) => &FloatDot.F32Avx2,
            (GgmlType.F32, DotPath.Portable) => &FloatDot.F32Portable,
            (GgmlType.F32, _) => &FloatDot.F32Scalar,
            (GgmlType.F16, DotPath.Avx512 or DotPath.Avx512Wide) => &FloatDot.F16Avx512,
            (GgmlType.F16, DotPath.Avx2 or DotPath.AvxVnni) => &FloatDot.F16Avx2,
            (GgmlType.F16, DotPath.Portable) => &FloatDot.F16Portable,
            (GgmlType.F16, _) => &FloatDot.F16Scalar,
            (GgmlType.BF16, DotPath.Avx512 or DotPath.Avx512Wide) => &FloatDot.BF16Avx512,
            (GgmlType.BF16, DotPath.Avx2 or DotPath.AvxVnni) => &FloatDot.BF16Avx2,
            (GgmlType.BF16, DotPath.Portable) => &FloatDot.BF16Portable,
            (GgmlType.BF16, _) => &FloatDot.BF16Scalar,
            // Quantized weights against float activations: exact (no activation rounding), kept for Dot/MatVec.
            (GgmlType.Q8_0, DotPath.Avx512 or DotPath.Avx512Wide) => &Q8_0Dot.Avx512Path,
            (GgmlType.Q8_0, DotPath.Avx2 or DotPath.AvxVnni) => &Q8_0Dot.Avx2Path,
            (GgmlType.Q8_0, _) => &Q8_0Dot.Scalar,
            (GgmlType.Q4_0, DotPath.Avx512 or DotPath.Avx512Wide) => &Q4_0Dot.Avx512Path,
            (GgmlType.Q4_0, DotPath.Avx2 or DotPath.AvxVnni) => &Q4_0Dot.Avx2Path,
            (GgmlType.Q4_0, _) => &Q4_0Dot.Scalar,
            (GgmlType.Q4_K, DotPath.Avx512 or DotPath.Avx512Wide) => &Q4KDot.Avx512Path,
            (GgmlType.Q4_K, DotPath.Avx2 or DotPath.AvxVnni) => &Q4KDot.Avx2Path,
            (GgmlType.Q4_K, _) => &Q4KDot.Scalar,
            (GgmlType.Q6_K, DotPath.Avx512 or DotPath.Avx512Wide) => &Q6KDot.Avx512Path,
            (GgmlType.Q6_K, DotPath.Avx2 or DotPath.AvxVnni) => &Q6KDot.Avx2Path,
            _ => &Q6KDot.Scalar,
        };
    }
}
