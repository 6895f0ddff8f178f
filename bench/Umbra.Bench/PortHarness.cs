using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Umbra.Bench;

/// <summary>
/// How close the Q8_0/Q4_0 tile's per-vector work comes to what the vector ports allow, on a CPU with AVX-VNNI:
/// `-- ports [rounds]`. Each round times a calibration loop of independent register-only vpdpbusd (two per cycle
/// on the Intel cores that have AVX-VNNI, which gives the cycle as the host runs it at that moment) and then a copy
/// of <c>Q8Tiles.Groups</c>' body for 8 vectors of 2048 values (activations in L1, weights in registers, so no
/// per-row work): per vector and group of 8 blocks, 8 vpdpbusd in two chains, one conversion, one multiply of the
/// scales and one multiply-add into the accumulator. Those 11 operations all issue on ports 0 and 1, so the bound
/// is 5.5 cycles per vector and group. The host's speed moves, so each round prints its own calibration. First, a
/// table of the Q4_0 tile bodies side by side (256-bit vpdpbusd, 256-bit and 512-bit short sums), which runs on
/// CPUs with AVX-512 BW and no AVX-VNNI as well.
/// </summary>
internal static unsafe class PortHarness
{
    private const int Groups = 8, Vectors = 8, GroupBytes = 8 * 32;

    // One vector's stored parts, in Q8Tiles' layout: quants, then 8 scales and 8 start ints per group.
    private const int Stride = Groups * GroupBytes + Groups * 64;

    private const double BoundCycles = 11 / 2.0;

    public static int Run(string[] args)
    {
        if (!AvxVnni.IsSupported && !Avx512BW.IsSupported)
        {
            Console.Error.WriteLine("ports: this CPU has neither AVX-VNNI nor AVX-512 BW (or they are switched off); the probes model their tiles.");
            return 1;
        }
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var x = (byte*)NativeMemory.AlignedAlloc(Stride * Vectors, 64);
        var acc = (Vector256<float>*)NativeMemory.AlignedAlloc((nuint)(Vectors * sizeof(Vector512<float>)), 64); // room for the 512-bit bodies
        try
        {
            var rng = new Random(1);
            for (var v = 0; v < Vectors; v++)
            {
                var bytes = new Span<byte>(x + v * Stride, Stride);
                rng.NextBytes(bytes[..(Groups * GroupBytes)]);
                new Span<float>(x + v * Stride + Groups * GroupBytes, Groups * 8).Fill(1e-6f);
                new Span<int>(x + v * Stride + Groups * GroupBytes + Groups * 32, Groups * 8).Fill(-1000);
            }
            new Span<Vector256<float>>(acc, Vectors).Clear();
            var w = Vector256.Create((sbyte)7);
            const int reps = 400;
            Bodies(x, acc, rounds);
            if (!AvxVnni.IsSupported)
                return 0;
            Console.WriteLine($"Q8 tile body, 8 vectors x {Groups} groups, activations in L1; bound {BoundCycles} cycles per vector and group");
            Console.WriteLine("| round | clock (GHz, from vpdpbusd) | ns per vector and group | cycles | of the bound |");
            Console.WriteLine("|---:|---:|---:|---:|---:|");
            for (var round = 1; round <= rounds; round++)
            {
                var best = double.MaxValue;
                for (var k = 0; k < 500; k++)
                {
                    var start = Stopwatch.GetTimestamp();
                    for (var r = 0; r < reps; r++)
                        TileBody(x, acc, w, Vector256.Create(0.5f));
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / (reps * Groups * Vectors));
                }
                var cycle = CycleNanoseconds();
                var cycles = best / cycle;
                Console.WriteLine($"| {round} | {1 / cycle:F2} | {best:F2} | {cycles:F1} | {BoundCycles / cycles:P0} |");
            }
        }
        finally
        {
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(acc);
        }
        return 0;
    }

    /// <summary>Nanoseconds per cycle, taking 12 independent vpdpbusd chains to issue two per cycle.</summary>
    private static double CycleNanoseconds()
    {
        const int iterations = 2_000_000;
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var sink = Vpdpbusd12(Vector256.Create(i), Vector256.Create((sbyte)1), iterations);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / (iterations * 12.0) * 2);
            GC.KeepAlive(sink.ToScalar());
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<int> Vpdpbusd12(Vector256<int> s, Vector256<sbyte> b, int iterations)
    {
        Vector256<int> s0 = s, s1 = s + Vector256<int>.One, s2 = s0 + s1, s3 = s2 + s1, s4 = s3 + s1, s5 = s4 + s1;
        Vector256<int> s6 = s5 + s1, s7 = s6 + s1, s8 = s7 + s1, s9 = s8 + s1, s10 = s9 + s1, s11 = s10 + s1;
        for (var i = 0; i < iterations; i++)
        {
            s0 = AvxVnni.MultiplyWideningAndAdd(s0, s0.AsByte(), b);
            s1 = AvxVnni.MultiplyWideningAndAdd(s1, s1.AsByte(), b);
            s2 = AvxVnni.MultiplyWideningAndAdd(s2, s2.AsByte(), b);
            s3 = AvxVnni.MultiplyWideningAndAdd(s3, s3.AsByte(), b);
            s4 = AvxVnni.MultiplyWideningAndAdd(s4, s4.AsByte(), b);
            s5 = AvxVnni.MultiplyWideningAndAdd(s5, s5.AsByte(), b);
            s6 = AvxVnni.MultiplyWideningAndAdd(s6, s6.AsByte(), b);
            s7 = AvxVnni.MultiplyWideningAndAdd(s7, s7.AsByte(), b);
            s8 = AvxVnni.MultiplyWideningAndAdd(s8, s8.AsByte(), b);
            s9 = AvxVnni.MultiplyWideningAndAdd(s9, s9.AsByte(), b);
            s10 = AvxVnni.MultiplyWideningAndAdd(s10, s10.AsByte(), b);
            s11 = AvxVnni.MultiplyWideningAndAdd(s11, s11.AsByte(), b);
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + ((s8 + s9) + (s10 + s11));
    }

    /// <summary>The tile's per-vector body (Q8Tiles.Groups with VNNI weights), weights fixed in registers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TileBody(byte* x, Vector256<float>* acc, Vector256<sbyte> weight, Vector256<float> dw)
    {
        Vector256<byte> w0 = weight.AsByte(), w1 = w0 + Vector256<byte>.One, w2 = w1 + Vector256<byte>.One, w3 = w2 + Vector256<byte>.One;
        Vector256<byte> w4 = w3 + Vector256<byte>.One, w5 = w4 + Vector256<byte>.One, w6 = w5 + Vector256<byte>.One, w7 = w6 + Vector256<byte>.One;
        for (var g = 0; g < Groups; g++)
        {
            var xg = x + g * GroupBytes;
            long scales = Groups * GroupBytes + g * 32 - g * GroupBytes, starts = scales + Groups * 32;
            var a = acc;
            for (var end = a + Vectors; a < end; a++, xg += Stride)
            {
                var p = AvxVnni.MultiplyWideningAndAdd(Vector256.Load((int*)(xg + starts)), w0, Vector256.Load((sbyte*)xg));
                var q = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, w1, Vector256.Load((sbyte*)xg + 32));
                p = AvxVnni.MultiplyWideningAndAdd(p, w2, Vector256.Load((sbyte*)xg + 64));
                q = AvxVnni.MultiplyWideningAndAdd(q, w3, Vector256.Load((sbyte*)xg + 96));
                p = AvxVnni.MultiplyWideningAndAdd(p, w4, Vector256.Load((sbyte*)xg + 128));
                q = AvxVnni.MultiplyWideningAndAdd(q, w5, Vector256.Load((sbyte*)xg + 160));
                p = AvxVnni.MultiplyWideningAndAdd(p, w6, Vector256.Load((sbyte*)xg + 192));
                q = AvxVnni.MultiplyWideningAndAdd(q, w7, Vector256.Load((sbyte*)xg + 224));
                *a = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p + q), dw * Vector256.Load((float*)(xg + scales)), *a);
            }
        }
    }

    /// <summary>
    /// The Q4_0 tile bodies side by side, ns per vector and 8 blocks (best of 300 × 400 passes, per round): the
    /// 256-bit vpdpbusd one (where the CPU has AVX-VNNI), the 256-bit short sums, 512-bit short sums over the 8-block
    /// layout (each block's sum split between lanes i and i + 8) and over 16-block groups (Q8Wide, the Avx512Wide path).
    /// </summary>
    private static void Bodies(byte* x, Vector256<float>* acc, int rounds)
    {
        var w = Vector256.Create((sbyte)7);
        var dw = Vector256.Create(0.5f);
        var wide = (Vector512<float>*)acc;
        Console.WriteLine("Q4_0 tile bodies, 8 vectors, activations in L1; ns per vector and 8 blocks");
        Console.WriteLine("| round | 256-bit vpdpbusd | 256-bit short sums | 512-bit, 8-block groups | 512-bit, 16-block groups |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            var vnni = AvxVnni.IsSupported ? $"{Time(() => TileBody(x, acc, w, dw)):F2}" : "-";
            var cells = Avx512BW.IsSupported
                ? $"{Time(() => ShortBody(x, acc, w, dw)):F2} | {Time(() => HalvesBody(x, wide, w, dw)):F2} | {Time(() => WideBody(x, wide, w, dw)):F2}"
                : $"{Time(() => ShortBody(x, acc, w, dw)):F2} | - | -";
            Console.WriteLine($"| {round} | {vnni} | {cells} |");
        }
    }

    private static double Time(Action body)
    {
        const int reps = 400;
        var best = double.MaxValue;
        for (var k = 0; k < 300; k++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var r = 0; r < reps; r++)
                body();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / (reps * Groups * Vectors));
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pairs(Vector256<byte> w, sbyte* x) => Avx2.MultiplyAddAdjacent(w, Vector256.Load(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Pairs(Vector512<byte> w, sbyte* x) => Avx512BW.MultiplyAddAdjacent(w, Vector512.Load(x));

    /// <summary>The 256-bit short sums (Q8Tiles.Groups with Q4_0 on AVX2): 8 vpmaddubsw, 7 additions, one widening.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ShortBody(byte* x, Vector256<float>* acc, Vector256<sbyte> weight, Vector256<float> dw)
    {
        Vector256<byte> w0 = weight.AsByte(), w1 = w0 + Vector256<byte>.One, w2 = w1 + Vector256<byte>.One, w3 = w2 + Vector256<byte>.One;
        Vector256<byte> w4 = w3 + Vector256<byte>.One, w5 = w4 + Vector256<byte>.One, w6 = w5 + Vector256<byte>.One, w7 = w6 + Vector256<byte>.One;
        for (var g = 0; g < Groups; g++)
        {
            var xg = x + g * GroupBytes;
            long scales = Groups * GroupBytes + g * 32 - g * GroupBytes, starts = scales + Groups * 32;
            var a = acc;
            for (var end = a + Vectors; a < end; a++, xg += Stride)
            {
                var xs = (sbyte*)xg;
                var s = ((Pairs(w0, xs) + Pairs(w1, xs + 32)) + (Pairs(w2, xs + 64) + Pairs(w3, xs + 96)))
                    + ((Pairs(w4, xs + 128) + Pairs(w5, xs + 160)) + (Pairs(w6, xs + 192) + Pairs(w7, xs + 224)));
                var sum = Vector256.Load((int*)(xg + starts)) + Avx2.MultiplyAddAdjacent(s, Vector256<short>.One);
                *a = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum), dw * Vector256.Load((float*)(xg + scales)), *a);
            }
        }
    }

    /// <summary>512-bit short sums over the 8-block layout: register j takes runs 2j and 2j + 1, so a block's sum lies in lanes i and i + 8.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void HalvesBody(byte* x, Vector512<float>* acc, Vector256<sbyte> weight, Vector256<float> dw8)
    {
        var one = Vector512<byte>.One;
        Vector512<byte> w0 = Vector512.Create(weight.AsByte(), weight.AsByte() + Vector256<byte>.One), w1 = w0 + one + one, w2 = w1 + one + one, w3 = w2 + one + one;
        var dw = Vector512.Create(dw8, dw8);
        for (var g = 0; g < Groups; g++)
        {
            var xg = x + g * GroupBytes;
            long scales = Groups * GroupBytes + g * 32 - g * GroupBytes, starts = scales + Groups * 32;
            var a = acc;
            for (var end = a + Vectors; a < end; a++, xg += Stride)
            {
                var xs = (sbyte*)xg;
                var s = (Pairs(w0, xs) + Pairs(w1, xs + 64)) + (Pairs(w2, xs + 128) + Pairs(w3, xs + 192));
                var sum = Vector256.Load((int*)(xg + starts)).ToVector512() + Avx512BW.MultiplyAddAdjacent(s, Vector512<short>.One);
                *a = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), dw * Avx512DQ.BroadcastVector256ToVector512((float*)(xg + scales)), *a);
            }
        }
    }

    /// <summary>512-bit short sums over 16-block groups (Q8WideTiles.Groups): 8 vpmaddubsw, 7 additions, one widening per 16 blocks.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WideBody(byte* x, Vector512<float>* acc, Vector256<sbyte> weight, Vector256<float> dw8)
    {
        var one = Vector512<byte>.One;
        Vector512<byte> w0 = Vector512.Create(weight.AsByte(), weight.AsByte() + Vector256<byte>.One), w1 = w0 + one, w2 = w1 + one, w3 = w2 + one;
        Vector512<byte> w4 = w3 + one, w5 = w4 + one, w6 = w5 + one, w7 = w6 + one;
        var dw = Vector512.Create(dw8, dw8 + dw8);
        for (var g = 0; g < Groups / 2; g++)
        {
            var xg = x + g * 2 * GroupBytes;
            long scales = Groups * GroupBytes + g * 64 - g * 2 * GroupBytes, starts = scales + Groups * 32;
            var a = acc;
            for (var end = a + Vectors; a < end; a++, xg += Stride)
            {
                var xs = (sbyte*)xg;
                var s = ((Pairs(w0, xs) + Pairs(w1, xs + 64)) + (Pairs(w2, xs + 128) + Pairs(w3, xs + 192)))
                    + ((Pairs(w4, xs + 256) + Pairs(w5, xs + 320)) + (Pairs(w6, xs + 384) + Pairs(w7, xs + 448)));
                var sum = Vector512.Load((int*)(xg + starts)) + Avx512BW.MultiplyAddAdjacent(s, Vector512<short>.One);
                *a = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), dw * Vector512.Load((float*)(xg + scales)), *a);
            }
        }
    }
}
