using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Inference.Tensors.Native;

/// <summary>
/// Q4_0's 16-block groups as 512-bit vpdpbusd, from AVX-512 VNNI (<see cref="DotPath.Avx512Vnni"/>): per vector and
/// 16 blocks, 8 vpdpbusd and 3 float operations (the conversion, the scales' product and the multiply-add), where the
/// managed vpmaddubsw body (<see cref="Q8WideTiles"/>) takes 20 and the 256-bit vpdpbusd tile 22. .NET 10 has the
/// instruction only in its 256-bit VEX form (AVX-VNNI), so the loops are machine code compiled from wide_vnni.c (see
/// generate.sh) and mapped by <see cref="ExecutableMemory"/>. They give the managed wide tiles' products bit for bit.
/// </summary>
internal static unsafe partial class WideVnni
{
    /// <summary>Why <see cref="IsSupported"/> is false (null when it is true).</summary>
    public static readonly string? UnavailableReason;

    private static readonly byte* Mapped = Map(out UnavailableReason);

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, long, sbyte*, long, long, long, long, float*, long, int*, void> Q4_0Body =
        Mapped == null ? null : (delegate* unmanaged[SuppressGCTransition]<byte*, long, sbyte*, long, long, long, long, float*, long, int*, void>)(Mapped + Q4_0Entry);

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, long, long, sbyte*, long, long, long, long, float*, float*, long, int*, void> Q4_0PairBody =
        Mapped == null ? null : (delegate* unmanaged[SuppressGCTransition]<byte*, long, long, sbyte*, long, long, long, long, float*, float*, long, int*, void>)(Mapped + Q4_0PairEntry);

    /// <summary>The constants the code reads from its last argument: each block's offset in a group (18 × i), then the nibble mask.</summary>
    private static readonly int* Q4_0Constants = MakeQ4_0Constants();

    /// <summary>Whether this process runs the native loops: an x64 Linux CPU with AVX-512 F, BW and VNNI, and the code mapped.</summary>
    public static bool IsSupported => Mapped != null;

    /// <summary>
    /// acc[v] (<paramref name="t"/> 512-bit accumulators, 64 bytes apart) += the products of <paramref name="groups"/>
    /// whole Q4_0 groups of 16 blocks from <paramref name="blocks"/> with vector v, per lane i (block i of each group),
    /// as <see cref="Q8WideTiles"/>' Groups. <paramref name="x"/> is vector 0's values of the first group, each vector
    /// <paramref name="stride"/> bytes on; <paramref name="scaleRel"/> and <paramref name="startRel"/> lead from the
    /// first group's values to its float scales and start ints; with <paramref name="ahead"/> not 0, each group asks
    /// for the lines that many bytes further on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunQ4_0(byte* blocks, int groups, sbyte* x, long stride, long scaleRel, long startRel, int t, float* acc, long ahead) =>
        Q4_0Body(blocks, groups, x, stride, scaleRel, startRel, t, acc, ahead, Q4_0Constants);

    /// <summary><see cref="RunQ4_0"/> for two rows <paramref name="rowBytes"/> apart, into <paramref name="acc"/> and <paramref name="accB"/>, each activation load feeding both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunQ4_0Pair(byte* blocks, long rowBytes, int groups, sbyte* x, long stride, long scaleRel, long startRel, int t, float* acc, float* accB, long ahead) =>
        Q4_0PairBody(blocks, rowBytes, groups, x, stride, scaleRel, startRel, t, acc, accB, ahead, Q4_0Constants);

    private static byte* Map(out string? reason)
    {
        if (!Avx512F.IsSupported || !Avx512BW.IsSupported)
        {
            reason = "the CPU (or the runtime's settings, such as DOTNET_EnableAVX512=0) offers no AVX-512";
            return null;
        }
        // AVX-512 VNNI: CPUID leaf 7, sub-leaf 0, ECX bit 11 (not the VEX AVX-VNNI that AvxVnni.IsSupported reports).
        if ((X86Base.CpuId(7, 0).Ecx & (1 << 11)) == 0)
        {
            reason = "the CPU has no AVX-512 VNNI";
            return null;
        }
        return ExecutableMemory.TryMap(Code, out reason);
    }

    private static int* MakeQ4_0Constants()
    {
        var c = (int*)NativeMemory.AlignedAlloc(17 * sizeof(int), 64);
        for (var i = 0; i < 16; i++)
            c[i] = Q4_0Format.BlockBytes * i;
        c[16] = 0x0F0F0F0F;
        return c;
    }
}
