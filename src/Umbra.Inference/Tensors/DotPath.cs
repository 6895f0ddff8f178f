namespace Umbra.Inference.Tensors;

/// <summary>Instruction-set variants of the dot kernels, from portable to widest.</summary>
internal enum DotPath
{
    /// <summary>Plain C#, any CPU.</summary>
    Scalar,

    /// <summary>x86 AVX2 + FMA, 8 floats per vector.</summary>
    Avx2,

    /// <summary>x86 AVX-512 F + BW, 16 floats per vector.</summary>
    Avx512,
}
