using System.Runtime.Intrinsics;

namespace Umbra.Inference.Tensors;

/// <summary>
/// How <see cref="KTiles"/> reads one K-quant weight format (super-blocks of 256 values: Q4_K, Q6_K) against Q8_K
/// activations. Implemented by structs, so the JIT compiles the tile loop once per format and instruction set with
/// these calls inlined.
/// </summary>
internal unsafe interface IKWeightBlocks
{
    /// <summary>Bytes per super-block.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>Byte offset, in a Q8_K vector of <paramref name="n"/> values, of the per-super-block part <see cref="Accumulate"/> reads besides the values and the scale.</summary>
    static abstract int AuxOffset(int n);

    /// <summary>Bytes of that part per super-block.</summary>
    static abstract int AuxBytes { get; }

    /// <summary>
    /// The super-block at <paramref name="block"/> in the Q8_K run layout (register k, lane l: values 4k..4k+3 of
    /// sub-block σ(l), see <see cref="QuantizedActivations.Q8KOffset"/>), and two registers of per-lane float factors.
    /// </summary>
    static abstract void Load(byte* block, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
        out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7,
        out Vector256<float> f0, out Vector256<float> f1);

    /// <summary>
    /// acc plus the super-block's products with one vector, whose values start at <paramref name="x"/>, its scale at
    /// x + <paramref name="scaleRel"/> and its <see cref="AuxOffset"/> part at x + <paramref name="auxRel"/>.
    /// </summary>
    static abstract Vector256<float> Accumulate(Vector256<float> acc, byte* x, long scaleRel, long auxRel,
        Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3,
        Vector256<sbyte> w4, Vector256<sbyte> w5, Vector256<sbyte> w6, Vector256<sbyte> w7,
        Vector256<float> f0, Vector256<float> f1);

    /// <summary>
    /// Whether <see cref="KTiles"/> takes two rows at once through tiles of 8 vectors or more (with AVX-512's 32 vector
    /// registers), through <see cref="AccumulatePaired"/>: measured per format.
    /// </summary>
    static abstract bool PairRows { get; }

    /// <summary>
    /// <see cref="Accumulate"/> for two rows' super-blocks (registers a and b, from <see cref="Load"/>) against the
    /// same vector: each activation load feeds both rows' dots, and each row gets exactly the operations
    /// <see cref="Accumulate"/> gives it, so its sums are the same bits.
    /// </summary>
    static abstract void AccumulatePaired(ref Vector256<float> accA, ref Vector256<float> accB, byte* x, long scaleRel, long auxRel,
        Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3,
        Vector256<sbyte> a4, Vector256<sbyte> a5, Vector256<sbyte> a6, Vector256<sbyte> a7, Vector256<float> fa0, Vector256<float> fa1,
        Vector256<sbyte> b0, Vector256<sbyte> b1, Vector256<sbyte> b2, Vector256<sbyte> b3,
        Vector256<sbyte> b4, Vector256<sbyte> b5, Vector256<sbyte> b6, Vector256<sbyte> b7, Vector256<float> fb0, Vector256<float> fb1);
}
