using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q4_0 rows × Q8 activations. Σ (q − 8) x = Σ q x − 8 Σ x: the x86 paths multiply the unsigned nibbles
/// (0..15) straight into an accumulator that starts at the activation's precomputed −8 Σ x of 8 blocks, so the
/// offset costs one load, not an instruction per vector (the shared tile loop, <see cref="Q8Tiles"/>, over this
/// format's blocks); the portable and scalar paths subtract 8 Σ x per block.
/// </summary>
internal static unsafe class Q4_0IntDot
{
    private const int Qk = Q4_0Format.BlockSize;
    private const int Bytes = Q4_0Format.BlockBytes;

    public static void Scalar(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8Scales(x, n);
                var xsum = Q8Sums(x, n);
                var sum = 0f;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = row + b * Bytes + 2;
                    var s = 0;
                    for (var j = 0; j < Qk / 2; j++)
                        s += (q[j] & 0xF) * xs[Q8Offset(b, j, n)] + (q[j] >> 4) * xs[Q8Offset(b, j + Qk / 2, n)];
                    sum += Fp16.Read(row + b * Bytes) * xd[b] * (s - 8 * xsum[b]);
                }
                y[v * yStride + r] = sum;
            }
        }
    }

    public static void Portable(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        var mask = Vector128.Create((byte)0xF);
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8Scales(x, n);
                var xsum = Q8Sums(x, n);
                var acc = Vector128<float>.Zero;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = Vector128.Load(row + b * Bytes + 2);
                    var p = PortableDot.Bytes16((q & mask).AsSByte(), Q8Load16(xs, b, 0, n))
                          + PortableDot.Bytes16((q >>> 4).AsSByte(), Q8Load16(xs, b, 16, n))
                          - Vector128.CreateScalar(8 * xsum[b]);
                    acc += Vector128.ConvertToSingle(p) * Vector128.Create(Fp16.Read(row + b * Bytes) * xd[b]);
                }
                y[v * yStride + r] = Vector128.Sum(acc);
            }
        }
    }

    public static void Avx2Path(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        Q8Tiles.Run<Blocks<Avx2IntDot>>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    public static void VnniPath(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        Q8Tiles.Run<Blocks<VnniIntDot>>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    /// <summary><see cref="DotPath.Avx512Wide"/>: groups of 16 blocks in 512-bit registers, against <see cref="ActivationFormat.Q8Wide"/> activations.</summary>
    public static void WidePath(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        Q8Tiles.Run<WideBlocks>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    /// <summary>
    /// Q4_0 blocks for <see cref="Q8Tiles"/>: each group of 8 is transposed and split into 8 registers of nibbles
    /// (0..15, unsigned), multiplied straight into an accumulator that starts at the activation's −8 Σx.
    /// </summary>
    private readonly struct Blocks<T> : IQ8WeightBlocks
        where T : struct, IIntDot
    {
        public static int BlockBytes => Bytes;

        public static bool HasStart => true;

        // Nibbles (0..15) against |x| ≤ 127: 8 vpmaddubsw pair sums stay within a short.
        public static bool ShortSums => !T.FullByteRange;

        public static bool SplitBytes => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int StartOffset(int n) => Q8Neg8SumsOffset(n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7)
        {
            KernelHelpers.TransposeBlocks8(blocks + 2, Bytes, out var c0, out var c1, out var c2, out var c3);
            // Low nibbles are values 0..15 of a block, high nibbles 16..31.
            (w0, w4) = KernelHelpers.Nibbles(c0.AsByte());
            (w1, w5) = KernelHelpers.Nibbles(c1.AsByte());
            (w2, w6) = KernelHelpers.Nibbles(c2.AsByte());
            (w3, w7) = KernelHelpers.Nibbles(c3.AsByte());
        }

        /// <summary>The 32 nibbles of a block as unsigned bytes in value order (low nibbles are values 0..15).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> LoadBlock(byte* block)
        {
            var q = Vector128.Load(block + 2);
            var m = Vector128.Create((byte)0xF);
            return Vector256.Create(q & m, (q.AsUInt16() >>> 4).AsByte() & m).AsSByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> w, Vector256<sbyte> x) => T.Dot(acc, w.AsByte(), x);
    }

    /// <summary>
    /// Q4_0 blocks with the whole groups of 16 in 512-bit registers (<see cref="Q8WideTiles"/>); the blocks after
    /// them as <see cref="Blocks{T}"/> with vpmaddubsw takes them.
    /// </summary>
    private readonly struct WideBlocks : IQ8WeightBlocks
    {
        public static int BlockBytes => Bytes;

        public static bool HasStart => true;

        public static bool ShortSums => true;

        public static bool SplitBytes => false;

        public static bool Wide => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int StartOffset(int n) => Q8Neg8SumsOffset(n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7) =>
            Blocks<Avx2IntDot>.LoadGroup(blocks, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadWideGroup(byte* blocks, out Vector512<sbyte> w0, out Vector512<sbyte> w1, out Vector512<sbyte> w2, out Vector512<sbyte> w3,
            out Vector512<sbyte> w4, out Vector512<sbyte> w5, out Vector512<sbyte> w6, out Vector512<sbyte> w7)
        {
            Q8WideTiles.TransposeBlocks16(blocks + 2, Bytes, out var c0, out var c1, out var c2, out var c3);
            (w0, w4) = Q8WideTiles.Nibbles(c0.AsByte());
            (w1, w5) = Q8WideTiles.Nibbles(c1.AsByte());
            (w2, w6) = Q8WideTiles.Nibbles(c2.AsByte());
            (w3, w7) = Q8WideTiles.Nibbles(c3.AsByte());
        }

        public static int WideRegisters => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void PackWideGroup(byte* blocks, byte* packed)
        {
            Q8WideTiles.TransposeBlocks16(blocks + 2, Bytes, out var c0, out var c1, out var c2, out var c3);
            c0.Store((int*)packed);
            c1.Store((int*)(packed + 64));
            c2.Store((int*)(packed + 128));
            c3.Store((int*)(packed + 192));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPackedWideGroup(byte* packed, out Vector512<sbyte> w0, out Vector512<sbyte> w1, out Vector512<sbyte> w2, out Vector512<sbyte> w3,
            out Vector512<sbyte> w4, out Vector512<sbyte> w5, out Vector512<sbyte> w6, out Vector512<sbyte> w7,
            out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
            out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7)
        {
            (w0, w4) = Q8WideTiles.Nibbles(Vector512.Load(packed));
            (w1, w5) = Q8WideTiles.Nibbles(Vector512.Load(packed + 64));
            (w2, w6) = Q8WideTiles.Nibbles(Vector512.Load(packed + 128));
            (w3, w7) = Q8WideTiles.Nibbles(Vector512.Load(packed + 192));
            h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = default;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> LoadBlock(byte* block) => Blocks<Avx2IntDot>.LoadBlock(block);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> w, Vector256<sbyte> x) => Avx2IntDot.Dot(acc, w.AsByte(), x);
    }
}
