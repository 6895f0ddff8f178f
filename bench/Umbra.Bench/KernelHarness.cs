using System.Diagnostics;
using System.Runtime.InteropServices;
using Umbra.Inference.Model;
using Umbra.Inference.Tensors;

namespace Umbra.Bench;

/// <summary>
/// A quick stopwatch view of the quantized kernels without BenchmarkDotNet's minutes: one thread, TinyLlama's
/// feed-forward matrices (gate/up 5632 x 2048 and down 2048 x 5632, hot in cache), the best of many runs per vector
/// count after half a second's warm-up, in ms per vector including the activation quantization. `-- kernels [runs]`. With `stream` after the runs, the matrices are
/// many (about 400 MB in all, more than the caches hold) and each product reads the next one, as a decode step
/// reads every layer's weights from memory: `-- kernels 5 stream`. With `attention` after the runs, only the
/// attention figures: `-- kernels 9 attention` or `-- kernels 9 stream attention`. With `l2`, one matrix of 1024 x 2048,
/// which stays in a core's L2, so the figures are the kernels' arithmetic alone: `-- kernels 2000 l2` (many runs, for
/// the best to be a quiet one). With `path=NAME`, another instruction-set path than the best one the CPU runs, for
/// instance `-- kernels 2000 l2 path=Avx512` against `path=Avx512Wide` on a CPU without AVX-VNNI; with
/// `path=NAME,NAME`, each run times every path named in turn, so that a busy moment of a shared host hits them all
/// and their bests compare: `-- kernels 2000 l2 path=Avx512,Avx512Wide`.
/// </summary>
internal static unsafe class KernelHarness
{
    public static int Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20;
        var stream = args.Skip(1).Contains("stream");
        var paths = new List<DotPath> { DotKernels.BestPath };
        if (args.Skip(1).FirstOrDefault(a => a.StartsWith("path=", StringComparison.Ordinal)) is { } named)
        {
            paths.Clear();
            foreach (var name in named["path=".Length..].Split(','))
            {
                if (!DotKernels.TryParsePath(name, out var path))
                {
                    Console.Error.WriteLine($"kernels: no path named '{name}'; paths: {string.Join(", ", Enum.GetNames<DotPath>())}.");
                    return 1;
                }
                if (!DotKernels.IsSupported(path))
                {
                    Console.Error.WriteLine($"kernels: this CPU cannot run the {path} path.");
                    return 1;
                }
                paths.Add(path);
            }
        }
        if (!args.Skip(1).Contains("attention"))
        {
            int[] counts = stream ? [1, 8, 16] : [1, 8, 16, 64, 128];
            (int, int)[] shapes = args.Skip(1).Contains("l2") ? [(1024, 2048)] : [(5632, 2048), (2048, 5632)];
            foreach (var (rows, columns) in shapes)
                Run([.. paths], rows, columns, runs, stream, counts);
            QuantizeTimes(runs);
        }
        AttentionTimes(runs, stream);
        return 0;
    }

    /// <summary>
    /// Grouped-query attention of TinyLlama's shape (head size 64, 8 query heads per key-value head, 4 key-value
    /// heads, 16-token cache blocks): µs per (token, key-value head) item, 4 heads per pass (two passes) against 8
    /// (one), with the cache in F32 and in F16, 256-bit and (where the CPU runs it) 512-bit. Hot, one cache in L2 read over and over; with `stream`, as many
    /// caches as fill about 400 MB (F32), each attended in turn, as a step of many long sequences reads them.
    /// </summary>
    private static void AttentionTimes(int runs, bool stream)
    {
        const int hd = 64, kvHeads = 4, blockSize = 16, group = 8;
        Console.WriteLine($"grouped-query attention, one thread, {(stream ? "caches streamed from memory" : "cache hot")}, best after a second's warm-up; µs per token and key-value head ({group} query heads)");
        var wideRuns = GroupedAttention.IsWideSupported(hd, blockSize);
        var kernels = new List<(KvCacheType Type, int Width, bool Wide)> { (KvCacheType.F32, 4, false), (KvCacheType.F32, 8, false), (KvCacheType.F16, 8, false) };
        if (wideRuns)
            kernels.AddRange([(KvCacheType.F32, 8, true), (KvCacheType.F16, 8, true)]);
        Console.WriteLine("| positions | " + string.Join(" | ", kernels.Select(c => $"{c.Type}, {c.Width} heads per pass{(c.Wide ? ", 512-bit" : "")}")) + " |");
        Console.WriteLine("|---|" + string.Concat(kernels.Select(_ => "---:|")));
        foreach (var length in new[] { 160, 1024 })
        {
            var blocksCount = (length + blockSize - 1) / blockSize;
            var kvDim = kvHeads * hd;
            var rng = new Random(3);
            var keys = Enumerable.Range(0, blocksCount * blockSize * kvDim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var values = Enumerable.Range(0, blocksCount * blockSize * kvDim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var q = Enumerable.Range(0, group * hd).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var blocks = Enumerable.Range(0, blocksCount).Reverse().ToArray();
            var scores = new float[GroupedAttention.Heads * length];
            var output = new float[group * hd];
            var zero = new float[hd];
            var spare = new float[hd];
            var copies = stream ? (int)(400L * 1024 * 1024 / (2L * keys.Length * sizeof(float))) : 1;
            var cells = new List<string>();
            foreach (var (type, width, wide) in kernels)
            {
                var keyBytes = Bytes(keys, type);
                var valueBytes = Bytes(values, type);
                var size = keyBytes.Length;
                var k = (byte*)NativeMemory.AlignedAlloc((nuint)((long)size * copies), 64);
                var v = (byte*)NativeMemory.AlignedAlloc((nuint)((long)size * copies), 64);
                for (var c = 0; c < copies; c++)
                {
                    keyBytes.CopyTo(new Span<byte>(k + (long)c * size, size));
                    valueBytes.CopyTo(new Span<byte>(v + (long)c * size, size));
                }
                var best = double.MaxValue;
                fixed (float* pq = q, ps = scores, po = output, pz = zero, psp = spare)
                {
                    // Warm up for a second first: the JIT promotes the kernel and the softmax to optimized code only
                    // after enough calls, in the background.
                    var warm = Stopwatch.StartNew();
                    for (var i = 0; warm.ElapsedMilliseconds < 1000 || i < Math.Max(runs, 50); i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        for (var c = 0; c < copies; c++)
                            for (var h = 0; h < group; h += width)
                                GroupedAttention.Attend(pq + h * hd, width, hd, k + (long)c * size, v + (long)c * size, type, blocks, blockSize,
                                    length, kvDim, blockSize * hd, 1f / 8, ps, length, po + h * hd, pz, psp, wide);
                        if (warm.ElapsedMilliseconds >= 1000)
                            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / copies);
                    }
                }
                NativeMemory.AlignedFree(k);
                NativeMemory.AlignedFree(v);
                cells.Add($"{best:F1}");
            }
            Console.WriteLine($"| {length} | {string.Join(" | ", cells)} |");
        }
    }

    /// <summary>The cache's bytes for these floats, as <paramref name="type"/> stores them.</summary>
    private static byte[] Bytes(float[] values, KvCacheType type)
    {
        if (type == KvCacheType.F32)
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var halves = new Half[values.Length];
        KvCache.ToHalf(values, new float[values.Length], halves);
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    /// <summary>The activation quantization alone, which runs before every product: µs per vector of 2048 and 5632 values.</summary>
    private static void QuantizeTimes(int runs)
    {
        Console.WriteLine($"activation quantization, one thread, best of {runs}; µs per vector");
        Console.WriteLine("| format | 2048 values | 5632 values |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var format in new[] { ActivationFormat.Q8, ActivationFormat.Q8Wide, ActivationFormat.Q8K })
        {
            var cells = new List<string>();
            foreach (var n in new[] { 2048, 5632 })
            {
                const int count = 16;
                var rng = new Random(2);
                var x = Enumerable.Range(0, n * count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                var stride = QuantizedActivations.VectorBytes(format, n);
                var xq = (byte*)NativeMemory.AlignedAlloc((nuint)(stride * count), 64);
                var best = double.MaxValue;
                fixed (float* xp = x)
                {
                    for (var i = 0; i < Math.Max(runs, 50); i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        for (var v = 0; v < count; v++)
                            QuantizedActivations.Quantize(format, xp + v * n, n, xq + v * stride);
                        best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / count);
                    }
                }
                NativeMemory.AlignedFree(xq);
                cells.Add($"{best:F2}");
            }
            Console.WriteLine($"| {format} | {string.Join(" | ", cells)} |");
        }
    }

    private static void Run(DotPath[] paths, int rows, int columns, int runs, bool stream, int[] counts)
    {
        Console.WriteLine($"path {string.Join(" and ", paths)}, {rows} x {columns}, one thread, {(stream ? "weights streamed from memory" : "weights hot in cache")}, best of {runs}{(paths.Length > 1 ? ", the paths in turn" : "")}; ms per vector");
        Console.WriteLine($"| type | {string.Join(" | ", counts.Select(c => $"{c} vector{(c == 1 ? "" : "s")}"))} |");
        Console.WriteLine($"|---|{string.Concat(counts.Select(_ => "---:|"))}");
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K })
        {
            var rowBytes = (int)GgmlTypeInfo.RowSize(type, columns);
            var matrixBytes = (long)rowBytes * rows;
            var copies = stream ? (int)(400L * 1024 * 1024 / matrixBytes) : 1;
            var w = (byte*)NativeMemory.AlignedAlloc((nuint)(matrixBytes * copies), 64);
            var rng = new Random(1);
            var row = new float[columns];
            var bytes = new byte[rowBytes];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++) row[c] = (float)(rng.NextDouble() * 2 - 1);
                Quantization.Quantize(type, row, bytes);
                Marshal.Copy(bytes, 0, (nint)(w + (long)r * rowBytes), rowBytes);
            }
            for (var c = 1; c < copies; c++)
                Buffer.MemoryCopy(w, w + c * matrixBytes, matrixBytes, matrixBytes);
            var cells = paths.Select(_ => new List<string>()).ToArray();
            foreach (var count in counts)
            {
                var x = Enumerable.Range(0, columns * count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                var formats = paths.Select(p => QuantizedActivations.FormatFor(type, p)).ToArray();
                var strides = formats.Select(f => QuantizedActivations.VectorBytes(f, columns)).ToArray();
                var xq = (byte*)NativeMemory.AlignedAlloc((nuint)(strides.Max() * count), 64);
                var y = new float[rows * count];
                var best = paths.Select(_ => double.MaxValue).ToArray();
                fixed (float* xp = x)
                fixed (float* yp = y)
                {
                    // Warm up for half a second first, so the quantization and the helpers run optimized code.
                    var warm = Stopwatch.StartNew();
                    for (var timed = 0; timed < runs;)
                    {
                        var warmedUp = warm.ElapsedMilliseconds >= 500;
                        if (warmedUp)
                            timed++;
                        for (var k = 0; k < paths.Length; k++)
                        {
                            var start = Stopwatch.GetTimestamp();
                            for (var v = 0; v < count; v++)
                                QuantizedActivations.Quantize(formats[k], xp + v * columns, columns, xq + v * strides[k]);
                            for (var c = 0; c < copies; c++)
                                DotKernels.MatMul(paths[k], type, w + c * matrixBytes, rowBytes, 0, rows, xq, strides[k], count, columns, yp, rows);
                            if (warmedUp)
                                best[k] = Math.Min(best[k], Stopwatch.GetElapsedTime(start).TotalMilliseconds / count / copies);
                        }
                    }
                }
                NativeMemory.AlignedFree(xq);
                for (var k = 0; k < paths.Length; k++)
                    cells[k].Add($"{best[k]:F4}");
            }
            NativeMemory.AlignedFree(w);
            for (var k = 0; k < paths.Length; k++)
                Console.WriteLine($"| {type}{(paths.Length > 1 ? $" ({paths[k]})" : "")} | {string.Join(" | ", cells[k])} |");
        }
    }
}
