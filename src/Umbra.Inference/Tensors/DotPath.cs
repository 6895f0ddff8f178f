namespace Umbra.Inference.Tensors;

/// <summary>Instruction-set variants of the dot kernels, from portable to widest.</summary>
internal enum DotPath
{
    /// <summary>Plain C#, any CPU: the definition the vector paths are checked against.</summary>
    Scalar,

    /// <summary>Cross-platform <c>Vector128</c> code (SSE, ARM64 AdvSimd, WebAssembly SIMD).</summary>
    Portable,

    /// <summary>x86 AVX2 + FMA: 8 floats per vector, integer dots by vpmaddubsw + vpmaddwd.</summary>
    Avx2,

    /// <summary>AVX2 + FMA with AVX-VNNI: integer dots by 256-bit vpdpbusd / vpdpwssd.</summary>
    AvxVnni,

    /// <summary>
    /// AVX-512 F + BW + DQ for the float formats (16 floats per vector); the quantized formats use the AVX-VNNI
    /// kernels where the CPU has them, else the AVX2 ones. .NET 10 exposes no 512-bit vpdpbusd for AVX-512 VNNI
    /// (only through AVX10.2); on a CPU with AVX-VNNI the 256-bit vpdpbusd tile measured faster in the engine than
    /// 512-bit vpmaddubsw (<see cref="Avx512Wide"/>).
    /// </summary>
    Avx512,

    /// <summary>
    /// <see cref="Avx512"/> with Q4_0's and Q8_0's integer dots in 512-bit registers: vpmaddubsw over groups of 16
    /// blocks (<see cref="ActivationFormat.Q8Wide"/> activations; Q8_0's bytes as two nibbles), which issues on two
    /// ports where the 256-bit form takes twice as many operations. The best path on CPUs with AVX-512 but without AVX-VNNI (Intel Skylake-SP to Ice
    /// Lake-SP, AMD Zen 4), where the 256-bit vpdpbusd is out of reach.
    /// </summary>
    Avx512Wide,
}
