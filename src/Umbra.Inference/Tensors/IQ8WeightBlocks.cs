using System.Runtime.Intrinsics;

namespace Umbra.Inference.Tensors;

/// <summary>
/// How <see cref="Q8Tiles"/> reads one weight format of 32-value blocks, each starting with its binary16 scale
/// (Q8_0, Q4_0). Implemented by structs, so the JIT compiles the tile loop once per format and instruction set
/// with these calls inlined: the loop is shared, its cost is not.
/// </summary>
internal unsafe interface IQ8WeightBlocks
{
    /// <summary>Bytes per block, scale included.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>Whether each block's integer sum starts from a per-block int of the activation (<see cref="StartOffset"/>) rather than 0.</summary>
    static abstract bool HasStart { get; }

    /// <summary>
    /// Whether a group's 8 dots may be summed as vpmaddubsw pair sums in 16-bit lanes and widened once: true where
    /// <see cref="Dot"/> is vpmaddubsw + vpmaddwd and the weights are unsigned and small enough that 8 pair sums
    /// cannot leave a short (Q4_0's nibbles: 8 × 2 × 15 × 127 = 30,480 ≤ 32,767).
    /// </summary>
    static abstract bool ShortSums { get; }

    /// <summary>
    /// Whether the group loop takes the weights as two 4-bit halves (<see cref="LoadSplitGroup"/>): Q8_0 on the
    /// AVX2 and Avx512Wide paths, whose w + 128 would saturate vpmaddubsw whole but whose nibbles can share shorts as
    /// Q4_0's do.
    /// </summary>
    static abstract bool SplitBytes { get; }

    /// <summary>
    /// With <see cref="SplitBytes"/>: the group's unsigned bytes u (in <see cref="LoadGroup"/>'s layout) as their low
    /// nibbles (<paramref name="l0"/>..) and high nibbles (<paramref name="h0"/>..), u = 16 h + l.
    /// </summary>
    static virtual void LoadSplitGroup(byte* blocks, out Vector256<sbyte> l0, out Vector256<sbyte> l1, out Vector256<sbyte> l2, out Vector256<sbyte> l3,
        out Vector256<sbyte> l4, out Vector256<sbyte> l5, out Vector256<sbyte> l6, out Vector256<sbyte> l7,
        out Vector256<sbyte> h0, out Vector256<sbyte> h1, out Vector256<sbyte> h2, out Vector256<sbyte> h3,
        out Vector256<sbyte> h4, out Vector256<sbyte> h5, out Vector256<sbyte> h6, out Vector256<sbyte> h7) =>
        throw new NotSupportedException("This block format does not split its bytes.");

    /// <summary>
    /// Whether the whole groups of 16 blocks go through 512-bit registers (<see cref="LoadWideGroup"/>, or with
    /// <see cref="SplitBytes"/> <see cref="LoadWideSplitGroup"/>, against <see cref="ActivationFormat.Q8Wide"/>
    /// activations) in short sums, before the rest in 256-bit ones.
    /// </summary>
    static virtual bool Wide => false;

    /// <summary>
    /// With <see cref="Wide"/>: the values of 16 consecutive blocks in the wide group layout, register k holding values
    /// 4k..4k+3 of blocks 0..15 in 32-bit lanes 0..15, as unsigned bytes small enough for short sums.
    /// </summary>
    static virtual void LoadWideGroup(byte* blocks, out Vector512<sbyte> w0, out Vector512<sbyte> w1, out Vector512<sbyte> w2, out Vector512<sbyte> w3,
        out Vector512<sbyte> w4, out Vector512<sbyte> w5, out Vector512<sbyte> w6, out Vector512<sbyte> w7) =>
        throw new NotSupportedException("This block format has no 512-bit groups.");

    /// <summary>
    /// With <see cref="Wide"/> and <see cref="SplitBytes"/>: the unsigned bytes u of 16 consecutive blocks in the wide
    /// group layout as their low nibbles (<paramref name="l0"/>..) and high nibbles (<paramref name="h0"/>..), u = 16 h + l.
    /// </summary>
    static virtual void LoadWideSplitGroup(byte* blocks, out Vector512<sbyte> l0, out Vector512<sbyte> l1, out Vector512<sbyte> l2, out Vector512<sbyte> l3,
        out Vector512<sbyte> l4, out Vector512<sbyte> l5, out Vector512<sbyte> l6, out Vector512<sbyte> l7,
        out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
        out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7) =>
        throw new NotSupportedException("This block format does not split its bytes in 512-bit groups.");

    /// <summary>
    /// With <see cref="Wide"/>: the 64-byte registers a wide group's values take packed (<see cref="PackWideGroup"/>):
    /// 4 of Q4_0's nibble pairs, 8 of Q8_0's bytes.
    /// </summary>
    static virtual int WideRegisters => throw new NotSupportedException("This block format has no 512-bit groups.");

    /// <summary>
    /// With <see cref="Wide"/>: writes the values of 16 consecutive blocks (the first scale at <paramref name="blocks"/>)
    /// to <paramref name="packed"/> as <see cref="WideRegisters"/> registers in the wide group layout, transposed but not
    /// yet split into nibbles (Q8_0's as w + 128), in the form <see cref="LoadPackedWideGroup"/> reads back once per
    /// tile of vectors.
    /// </summary>
    static virtual void PackWideGroup(byte* blocks, byte* packed) =>
        throw new NotSupportedException("This block format has no 512-bit groups.");

    /// <summary>
    /// With <see cref="Wide"/>: what <see cref="LoadWideGroup"/> (or, with <see cref="SplitBytes"/>,
    /// <see cref="LoadWideSplitGroup"/>, the high nibbles in <paramref name="h0"/>..) gives for the blocks
    /// <see cref="PackWideGroup"/> wrote to <paramref name="packed"/>; the h's are zero for unsplit formats.
    /// </summary>
    static virtual void LoadPackedWideGroup(byte* packed, out Vector512<sbyte> w0, out Vector512<sbyte> w1, out Vector512<sbyte> w2, out Vector512<sbyte> w3,
        out Vector512<sbyte> w4, out Vector512<sbyte> w5, out Vector512<sbyte> w6, out Vector512<sbyte> w7,
        out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
        out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7) =>
        throw new NotSupportedException("This block format has no 512-bit groups.");

    /// <summary>Byte offset of those ints in a Q8 activation vector of <paramref name="n"/> values.</summary>
    static abstract int StartOffset(int n);

    /// <summary>
    /// The values of 8 consecutive blocks (their first scale at <paramref name="blocks"/>) in the Q8 group layout:
    /// register k holds values 4k..4k+3 of blocks 0..7 in 32-bit lanes 0..7, in whatever form <see cref="Dot"/> takes.
    /// </summary>
    static abstract void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
        out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7);

    /// <summary>The 32 values of one block (its scale at <paramref name="block"/>) in order, in the form <see cref="Dot"/> takes.</summary>
    static abstract Vector256<sbyte> LoadBlock(byte* block);

    /// <summary>acc + in each 32-bit lane i, Σ over its 4 bytes of weight × activation (minus what the start corrects).</summary>
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> w, Vector256<sbyte> x);
}
