using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Umbra.Inference.Tensors.QuantizedActivations;

namespace Umbra.Inference.Tensors;

/// <summary>
/// Q8_0 rows × Q8 activations: per block, Σ w x in integers, then scaled once by d_w × d_x. The x86 paths are the
/// shared tile loop (<see cref="Q8Tiles"/>) over this format's blocks: w + 128 against an accumulator that starts
/// at −128 Σ x with vpdpbusd; with vpmaddubsw, |w| against x with w's sign for 1–3 vectors, and from 4 on w + 128
/// split into two nibbles, each a 4-bit product from the same −128 Σ x start. On <see cref="DotPath.Avx512Wide"/>
/// every batch size takes the split, over groups of 16 blocks in 512-bit registers.
/// </summary>
internal static unsafe class Q8_0IntDot
{
    private const int Qk = Q8_0Format.BlockSize;
    private const int Bytes = Q8_0Format.BlockBytes;

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
                var sum = 0f;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = (sbyte*)(row + b * Bytes + 2);
                    var s = 0;
                    for (var j = 0; j < Qk; j++)
                        s += q[j] * xs[Q8Offset(b, j, n)];
                    sum += Fp16.Read(row + b * Bytes) * xd[b] * s;
                }
                y[v * yStride + r] = sum;
            }
        }
    }

    public static void Portable(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * rowBytes;
            for (var v = 0; v < count; v++)
            {
                var x = xq + v * xStride;
                var xs = (sbyte*)x;
                var xd = Q8Scales(x, n);
                var acc = Vector128<float>.Zero;
                for (var b = 0; b < n / Qk; b++)
                {
                    var q = (sbyte*)(row + b * Bytes + 2);
                    var p = PortableDot.Bytes16(Vector128.Load(q), Q8Load16(xs, b, 0, n))
                          + PortableDot.Bytes16(Vector128.Load(q + 16), Q8Load16(xs, b, 16, n));
                    acc += Vector128.ConvertToSingle(p) * Vector128.Create(Fp16.Read(row + b * Bytes) * xd[b]);
                }
                y[v * yStride + r] = Vector128.Sum(acc);
            }
        }
    }

    /// <summary>
    /// The fewest vectors for which the AVX2 path splits each group's bytes into nibbles (<see cref="SplitBlocks"/>):
    /// the split costs 32 operations per group and row and saves about 14 per vector, so it pays from a few vectors
    /// on; one vector (a decode step) keeps the sign trick. Both give the same ints.
    /// </summary>
    public const int SplitMinVectors = 4;

    public static void Avx2Path(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride)
    {
        if (count >= SplitMinVectors)
            Q8Tiles.Run<SplitBlocks>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);
        else
            Q8Tiles.Run<SignedBlocks>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);
    }

    /// <summary>
    /// <see cref="DotPath.Avx512Wide"/>: groups of 16 blocks in 512-bit registers as two nibble products, against
    /// <see cref="ActivationFormat.Q8Wide"/> activations, for every batch (a decode step too: with 16 blocks a pass the
    /// split costs a single vector about what the 256-bit sign trick does, and one block format for every batch keeps
    /// products the same).
    /// </summary>
    public static void WidePath(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        Q8Tiles.Run<WideSplitBlocks>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    public static void VnniPath(byte* w, long rowBytes, int r0, int r1, byte* xq, long xStride, int count, int n, float* y, long yStride) =>
        Q8Tiles.Run<UnsignedBlocks>(w, rowBytes, r0, r1, xq, xStride, count, n, y, yStride);

    /// <summary>Transposes 8 blocks (the first scale at <paramref name="blocks"/>) into the Q8 group layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(byte* blocks, out Vector256<int> c0, out Vector256<int> c1, out Vector256<int> c2, out Vector256<int> c3,
        out Vector256<int> c4, out Vector256<int> c5, out Vector256<int> c6, out Vector256<int> c7)
    {
        KernelHelpers.TransposeBlocks8(blocks + 2, Bytes, out c0, out c1, out c2, out c3);
        KernelHelpers.TransposeBlocks8(blocks + 2 + 16, Bytes, out c4, out c5, out c6, out c7);
    }

    /// <summary>
    /// Q8_0 blocks for vpdpbusd (<see cref="Q8Tiles"/>): the weights made unsigned as w + 128 once per group, the
    /// accumulator started at the activation's −128 Σx.
    /// </summary>
    private readonly struct UnsignedBlocks : IQ8WeightBlocks
    {
        public static int BlockBytes => Bytes;

        public static bool HasStart => true;

        public static bool ShortSums => false;

        public static bool SplitBytes => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int StartOffset(int n) => Q8Neg128SumsOffset(n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7)
        {
            Transpose8(blocks, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
            var flip = Vector256.Create((byte)0x80).AsInt32();
            w0 = (c0 ^ flip).AsSByte();
            w1 = (c1 ^ flip).AsSByte();
            w2 = (c2 ^ flip).AsSByte();
            w3 = (c3 ^ flip).AsSByte();
            w4 = (c4 ^ flip).AsSByte();
            w5 = (c5 ^ flip).AsSByte();
            w6 = (c6 ^ flip).AsSByte();
            w7 = (c7 ^ flip).AsSByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> LoadBlock(byte* block) => (Vector256.Load(block + 2) ^ Vector256.Create((byte)0x80)).AsSByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> w, Vector256<sbyte> x) => VnniIntDot.Dot(acc, w.AsByte(), x);
    }

    /// <summary>
    /// Q8_0 blocks for vpmaddubsw taken as two 4-bit products (<see cref="Q8Tiles"/>): u = w + 128 = 16 h + l, so
    /// Σ w x = 16 Σ h x + Σ l x − 128 Σ x, the last the activation's start. Each half's 8 pair sums share shorts as
    /// Q4_0's do (<see cref="KernelHelpers.NibbleDots8"/>): per vector and group 16 + 2 multiplies and no sign or
    /// absolute value, against the sign trick's 16 multiplies and 16 sign and absolute-value operations (the same two
    /// ports on Intel cores), for 32 operations per group and row to split the bytes.
    /// </summary>
    private readonly struct SplitBlocks : IQ8WeightBlocks
    {
        public static int BlockBytes => Bytes;

        public static bool HasStart => true;

        public static bool ShortSums => false;

        public static bool SplitBytes => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int StartOffset(int n) => Q8Neg128SumsOffset(n);

        // The interface's whole-byte loader; the tiles take split groups (LoadSplitGroup) and never pair them.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7) =>
            UnsignedBlocks.LoadGroup(blocks, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadSplitGroup(byte* blocks, out Vector256<sbyte> l0, out Vector256<sbyte> l1, out Vector256<sbyte> l2, out Vector256<sbyte> l3,
            out Vector256<sbyte> l4, out Vector256<sbyte> l5, out Vector256<sbyte> l6, out Vector256<sbyte> l7,
            out Vector256<sbyte> h0, out Vector256<sbyte> h1, out Vector256<sbyte> h2, out Vector256<sbyte> h3,
            out Vector256<sbyte> h4, out Vector256<sbyte> h5, out Vector256<sbyte> h6, out Vector256<sbyte> h7)
        {
            UnsignedBlocks.LoadGroup(blocks, out var u0, out var u1, out var u2, out var u3, out var u4, out var u5, out var u6, out var u7);
            (l0, h0) = KernelHelpers.Nibbles(u0.AsByte());
            (l1, h1) = KernelHelpers.Nibbles(u1.AsByte());
            (l2, h2) = KernelHelpers.Nibbles(u2.AsByte());
            (l3, h3) = KernelHelpers.Nibbles(u3.AsByte());
            (l4, h4) = KernelHelpers.Nibbles(u4.AsByte());
            (l5, h5) = KernelHelpers.Nibbles(u5.AsByte());
            (l6, h6) = KernelHelpers.Nibbles(u6.AsByte());
            (l7, h7) = KernelHelpers.Nibbles(u7.AsByte());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> LoadBlock(byte* block) => UnsignedBlocks.LoadBlock(block);

        /// <summary>acc + Σ u x by 4-byte lane, as the two nibble products (the blocks after the last whole group).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> u, Vector256<sbyte> x)
        {
            var (l, h) = KernelHelpers.Nibbles(u.AsByte());
            return acc + KernelHelpers.WidenPairs(KernelHelpers.Pairs(l, x)) + KernelHelpers.WidenPairs(KernelHelpers.Pairs(h, x), 16);
        }
    }

    /// <summary>
    /// <see cref="SplitBlocks"/> with the whole groups of 16 blocks in 512-bit registers (<see cref="Q8WideTiles"/>); the
    /// blocks after them as <see cref="SplitBlocks"/> takes them.
    /// </summary>
    private readonly struct WideSplitBlocks : IQ8WeightBlocks
    {
        public static int BlockBytes => Bytes;

        public static bool HasStart => true;

        public static bool ShortSums => false;

        public static bool SplitBytes => true;

        public static bool Wide => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int StartOffset(int n) => Q8Neg128SumsOffset(n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7) =>
            UnsignedBlocks.LoadGroup(blocks, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadSplitGroup(byte* blocks, out Vector256<sbyte> l0, out Vector256<sbyte> l1, out Vector256<sbyte> l2, out Vector256<sbyte> l3,
            out Vector256<sbyte> l4, out Vector256<sbyte> l5, out Vector256<sbyte> l6, out Vector256<sbyte> l7,
            out Vector256<sbyte> h0, out Vector256<sbyte> h1, out Vector256<sbyte> h2, out Vector256<sbyte> h3,
            out Vector256<sbyte> h4, out Vector256<sbyte> h5, out Vector256<sbyte> h6, out Vector256<sbyte> h7) =>
            SplitBlocks.LoadSplitGroup(blocks, out l0, out l1, out l2, out l3, out l4, out l5, out l6, out l7, out h0, out h1, out h2, out h3, out h4, out h5, out h6, out h7);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadWideSplitGroup(byte* blocks, out Vector512<sbyte> l0, out Vector512<sbyte> l1, out Vector512<sbyte> l2, out Vector512<sbyte> l3,
            out Vector512<sbyte> l4, out Vector512<sbyte> l5, out Vector512<sbyte> l6, out Vector512<sbyte> l7,
            out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
            out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7)
        {
            // Each block's bytes 0..15 (values 0..15), then 16..31; then w + 128 split.
            Q8WideTiles.TransposeBlocks16(blocks + 2, Bytes, out var c0, out var c1, out var c2, out var c3);
            Q8WideTiles.TransposeBlocks16(blocks + 2 + 16, Bytes, out var c4, out var c5, out var c6, out var c7);
            var flip = Vector512.Create((byte)0x80).AsInt32();
            (l0, h0) = Q8WideTiles.Nibbles((c0 ^ flip).AsByte());
            (l1, h1) = Q8WideTiles.Nibbles((c1 ^ flip).AsByte());
            (l2, h2) = Q8WideTiles.Nibbles((c2 ^ flip).AsByte());
            (l3, h3) = Q8WideTiles.Nibbles((c3 ^ flip).AsByte());
            (l4, h4) = Q8WideTiles.Nibbles((c4 ^ flip).AsByte());
            (l5, h5) = Q8WideTiles.Nibbles((c5 ^ flip).AsByte());
            (l6, h6) = Q8WideTiles.Nibbles((c6 ^ flip).AsByte());
            (l7, h7) = Q8WideTiles.Nibbles((c7 ^ flip).AsByte());
        }

        public static int WideRegisters => 8;

        /// <summary>The transposed bytes as <see cref="LoadWideSplitGroup"/> splits them: w + 128, unsigned.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void PackWideGroup(byte* blocks, byte* packed)
        {
            Q8WideTiles.TransposeBlocks16(blocks + 2, Bytes, out var c0, out var c1, out var c2, out var c3);
            Q8WideTiles.TransposeBlocks16(blocks + 2 + 16, Bytes, out var c4, out var c5, out var c6, out var c7);
            var flip = Vector512.Create((byte)0x80).AsInt32();
            (c0 ^ flip).Store((int*)packed);
            (c1 ^ flip).Store((int*)(packed + 64));
            (c2 ^ flip).Store((int*)(packed + 128));
            (c3 ^ flip).Store((int*)(packed + 192));
            (c4 ^ flip).Store((int*)(packed + 256));
            (c5 ^ flip).Store((int*)(packed + 320));
            (c6 ^ flip).Store((int*)(packed + 384));
            (c7 ^ flip).Store((int*)(packed + 448));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPackedWideGroup(byte* packed, out Vector512<sbyte> l0, out Vector512<sbyte> l1, out Vector512<sbyte> l2, out Vector512<sbyte> l3,
            out Vector512<sbyte> l4, out Vector512<sbyte> l5, out Vector512<sbyte> l6, out Vector512<sbyte> l7,
            out Vector512<sbyte> h0, out Vector512<sbyte> h1, out Vector512<sbyte> h2, out Vector512<sbyte> h3,
            out Vector512<sbyte> h4, out Vector512<sbyte> h5, out Vector512<sbyte> h6, out Vector512<sbyte> h7)
        {
            (l0, h0) = Q8WideTiles.Nibbles(Vector512.Load(packed));
            (l1, h1) = Q8WideTiles.Nibbles(Vector512.Load(packed + 64));
            (l2, h2) = Q8WideTiles.Nibbles(Vector512.Load(packed + 128));
            (l3, h3) = Q8WideTiles.Nibbles(Vector512.Load(packed + 192));
            (l4, h4) = Q8WideTiles.Nibbles(Vector512.Load(packed + 256));
            (l5, h5) = Q8WideTiles.Nibbles(Vector512.Load(packed + 320));
            (l6, h6) = Q8WideTiles.Nibbles(Vector512.Load(packed + 384));
            (l7, h7) = Q8WideTiles.Nibbles(Vector512.Load(packed + 448));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> LoadBlock(byte* block) => UnsignedBlocks.LoadBlock(block);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> u, Vector256<sbyte> x) => SplitBlocks.Dot(acc, u, x);
    }

    /// <summary>Q8_0 blocks for vpmaddubsw (<see cref="Q8Tiles"/>), which saturates on w + 128: each dot takes |w| and x with w's sign.</summary>
    private readonly struct SignedBlocks : IQ8WeightBlocks
    {
        public static int BlockBytes => Bytes;

        public static bool HasStart => false;

        // |w| ≤ 128 against |x| ≤ 127: one pair sum reaches 32,512, so no two can share a short.
        public static bool ShortSums => false;

        public static bool SplitBytes => false;

        public static int StartOffset(int n) => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadGroup(byte* blocks, out Vector256<sbyte> w0, out Vector256<sbyte> w1, out Vector256<sbyte> w2, out Vector256<sbyte> w3,
            out Vector256<sbyte> w4, out Vector256<sbyte> w5, out Vector256<sbyte> w6, out Vector256<sbyte> w7)
        {
            Transpose8(blocks, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
            (w0, w1, w2, w3) = (c0.AsSByte(), c1.AsSByte(), c2.AsSByte(), c3.AsSByte());
            (w4, w5, w6, w7) = (c4.AsSByte(), c5.AsSByte(), c6.AsSByte(), c7.AsSByte());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> LoadBlock(byte* block) => Vector256.Load((sbyte*)(block + 2));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> w, Vector256<sbyte> x) => Avx2IntDot.Dot(acc, Avx2.Abs(w), Avx2.Sign(x, w));
    }
}
