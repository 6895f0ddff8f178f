using System.Diagnostics;
using System.Runtime.InteropServices;
using Umbra.Inference.Tensors;
using Umbra.Inference.Tensors.Native;

namespace Umbra.Inference.Tests.Tensors.Native;

/// <summary>
/// The native 512-bit vpdpbusd loops (<see cref="DotPath.Avx512Vnni"/>) against the managed 512-bit tiles they stand
/// for (<see cref="DotPath.Avx512Wide"/>): the same Q8Wide activations, the same exact integer sums and the same float
/// operations in the same order, so every product must be the same float, bit for bit, whatever the batch, the
/// pairing of rows, the span of columns or the prefetching. Also: the embedded bytes are what wide_vnni.c compiles to.
/// </summary>
public unsafe class WideVnniTests
{
    public static TheoryData<int, int> Shapes() => new()
    {
        // n (values per row), vectors: one 16-block group; several with an 8-block group and single blocks after them;
        // TinyLlama's widths; wide rows walked in spans at full tiles; batches of 1 (managed), 2..17 (native, paired at 16).
        { 512, 2 },
        { 512 * 3 + 256 + 3 * 32, 5 },
        { 2048, 8 },
        { 2048, 16 },
        { 2048, 17 },
        { 5632, 1 },
        { 5632, 16 },
        { 33 * 256 + 32, 37 },
    };

    [Avx512VnniTheory]
    [MemberData(nameof(Shapes))]
    public void Q4_0_products_are_the_managed_wide_tiles_bit_for_bit(int n, int count)
    {
        const int rows = 37; // more than one chunk of rows, odd, so pairs leave a row over
        var rowBytes = (int)GgmlTypeInfo.RowSize(GgmlType.Q4_0, n);
        var w = new byte[rows * rowBytes];
        for (var r = 0; r < rows; r++)
            TestVectors.Encode(GgmlType.Q4_0, TestVectors.Weights(n, seed: 7 * r + 3)).CopyTo(w, r * rowBytes);
        Assert.Equal(ActivationFormat.Q8Wide, QuantizedActivations.FormatFor(GgmlType.Q4_0, DotPath.Avx512Vnni));
        var x = TestVectors.Activations(count * n, seed: 5 + n);
        var (xq, stride) = QuantizedKernelTests.Prepare(ActivationFormat.Q8Wide, x, n, count);
        var native = new float[count * rows];
        var managed = new float[count * rows];
        fixed (byte* wp = w)
        fixed (byte* xp = xq)
        {
            fixed (float* yp = native)
                DotKernels.MatMul(DotPath.Avx512Vnni, GgmlType.Q4_0, wp, rowBytes, 0, rows, xp, stride, count, n, yp, rows);
            fixed (float* yp = managed)
                DotKernels.MatMul(DotPath.Avx512Wide, GgmlType.Q4_0, wp, rowBytes, 0, rows, xp, stride, count, n, yp, rows);
        }
        for (var i = 0; i < native.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(native[i]) == BitConverter.SingleToInt32Bits(managed[i]),
                $"vector {i / rows}, row {i % rows}: native {native[i]:R}, managed {managed[i]:R}");
        // And right, not merely alike: the scalar definition, on the same quantized values, differs only in the order
        // of its float additions.
        var (xs, scalarStride) = QuantizedKernelTests.Prepare(QuantizedActivations.FormatFor(GgmlType.Q4_0, DotPath.Scalar), x, n, count);
        var scalar = new float[count * rows];
        fixed (byte* wp = w)
        fixed (byte* xp = xs)
        fixed (float* yp = scalar)
            DotKernels.MatMul(DotPath.Scalar, GgmlType.Q4_0, wp, rowBytes, 0, rows, xp, scalarStride, count, n, yp, rows);
        var scale = scalar.Max(MathF.Abs);
        Assert.True(scale > 0);
        for (var i = 0; i < native.Length; i++)
            Assert.True(MathF.Abs(native[i] - scalar[i]) <= 1e-4f * scale, $"vector {i / rows}, row {i % rows}: native {native[i]:R}, scalar {scalar[i]:R}");
    }

    [Avx512VnniFact]
    public void Extreme_nibbles_and_activations_keep_exact_sums()
    {
        // Every nibble 15 against activations of ±127: the largest sums a block can make (15 × 127 × 32), in both signs.
        const int n = 2048, rows = 4, count = 3;
        var rowBytes = (int)GgmlTypeInfo.RowSize(GgmlType.Q4_0, n);
        var w = new byte[rows * rowBytes];
        for (var b = 0; b < rows * n / 32; b++)
        {
            w[b * 18] = 0x00;
            w[b * 18 + 1] = 0x3c; // scale 1.0
            w.AsSpan(b * 18 + 2, 16).Fill((byte)(b % 3 == 0 ? 0xFF : b % 3 == 1 ? 0x00 : 0x0F));
        }
        var x = new float[count * n];
        for (var i = 0; i < x.Length; i++)
            x[i] = i % 2 == 0 ? 1f : -1f;
        x.AsSpan(n, n).Fill(1f);
        x.AsSpan(2 * n, n).Fill(-1f);
        var (xq, stride) = QuantizedKernelTests.Prepare(ActivationFormat.Q8Wide, x, n, count);
        var native = new float[count * rows];
        var managed = new float[count * rows];
        fixed (byte* wp = w)
        fixed (byte* xp = xq)
        {
            fixed (float* yp = native)
                DotKernels.MatMul(DotPath.Avx512Vnni, GgmlType.Q4_0, wp, rowBytes, 0, rows, xp, stride, count, n, yp, rows);
            fixed (float* yp = managed)
                DotKernels.MatMul(DotPath.Avx512Wide, GgmlType.Q4_0, wp, rowBytes, 0, rows, xp, stride, count, n, yp, rows);
        }
        Assert.Equal(managed, native);
        // Row 0's blocks hold, in turn, 32 sevens (q − 8 for nibbles 15), 32 −8s, and 16 sevens then 16 −8s (bytes
        // 0x0F: values 0..15 are the low nibbles); vector 1 is all ones.
        var expected = 0f;
        for (var b = 0; b < n / 32; b++)
            expected += b % 3 == 0 ? 7 * 32 : b % 3 == 1 ? -8 * 32 : (7 - 8) * 16;
        Assert.Equal(expected, native[rows], 0.01f);
        Assert.Equal(-expected, native[2 * rows], 0.01f);
    }

    [Fact]
    public void The_path_runs_only_where_the_code_is_mapped_and_says_why_not()
    {
        Assert.Equal(WideVnni.IsSupported && DotKernels.IsSupported(DotPath.Avx512), DotKernels.IsSupported(DotPath.Avx512Vnni));
        if (WideVnni.IsSupported)
            Assert.Null(WideVnni.UnavailableReason);
        else
            Assert.False(string.IsNullOrWhiteSpace(WideVnni.UnavailableReason));
    }

    [Fact]
    public void Executable_memory_runs_the_code_it_was_given_or_says_why_not()
    {
        // mov eax, 42; ret
        ReadOnlySpan<byte> code = [0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3];
        var page = ExecutableMemory.TryMap(code, out var failure);
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.True(page == null);
            Assert.Contains("Linux x64", failure, StringComparison.Ordinal);
            return;
        }
        Assert.True(page != null, failure);
        Assert.Null(failure);
        Assert.Equal(42, ((delegate* unmanaged<int>)page)());
        Assert.True(code.SequenceEqual(new ReadOnlySpan<byte>(page, code.Length)));
    }

    [GccFact]
    public void The_embedded_code_is_what_the_named_compiler_makes_of_wide_vnni_c()
    {
        var dir = Path.Combine(RepositoryRoot(), "src", "Umbra.Inference", "Tensors", "Native");
        var output = Path.Combine(Path.GetTempPath(), $"umbra-wide-vnni-{Environment.ProcessId}.g.cs");
        try
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(dir, "generate.sh"), output]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr);
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "WideVnni.Code.g.cs")), File.ReadAllText(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Umbra.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("The tests run outside the repository: no Umbra.slnx above " + AppContext.BaseDirectory);
    }
}

/// <summary>A theory that runs where the native 512-bit vpdpbusd loops do (AVX-512 VNNI, Linux x64).</summary>
public sealed class Avx512VnniTheoryAttribute : TheoryAttribute
{
    public Avx512VnniTheoryAttribute()
    {
        if (!DotKernels.IsSupported(DotPath.Avx512Vnni))
            Skip = $"The native AVX-512 VNNI loops do not run here: {WideVnni.UnavailableReason ?? "the Avx512 path does not"}.";
    }
}

/// <summary>A fact that runs where the native 512-bit vpdpbusd loops do (AVX-512 VNNI, Linux x64).</summary>
public sealed class Avx512VnniFactAttribute : FactAttribute
{
    public Avx512VnniFactAttribute()
    {
        if (!DotKernels.IsSupported(DotPath.Avx512Vnni))
            Skip = $"The native AVX-512 VNNI loops do not run here: {WideVnni.UnavailableReason ?? "the Avx512 path does not"}.";
    }
}

/// <summary>A fact that runs where the compiler named in WideVnni.Code.g.cs, and binutils, are installed.</summary>
public sealed class GccFactAttribute : FactAttribute
{
    public GccFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || GccVersion() != WideVnni.Compiler)
            Skip = $"The compiler that made the native code ({WideVnni.Compiler}) is not installed here.";
    }

    private static string? GccVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("gcc", "--version") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process == null)
                return null;
            var first = process.StandardOutput.ReadLine();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? first : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
