using System.Diagnostics;
using System.Runtime.InteropServices;
using Umbra.Inference.Tensors;

namespace Umbra.Bench;

/// <summary>
/// A quick stopwatch view of the quantized kernels without BenchmarkDotNet's minutes: one thread, a TinyLlama
/// feed-forward-sized matrix (5632 x 2048, hot in cache), the best of many runs per vector count, in ms per vector
/// including the activation quantization. `-- kernels [runs]`. With `stream` after the runs, the matrices are
/// many (about 400 MB in all, more than the caches hold) and each product reads the next one, as a decode step
/// reads every layer's weights from memory: `-- kernels 5 stream`.
/// </summary>
internal static unsafe class KernelHarness
{
    private const int Rows = 5632;
    private const int Columns = 2048;

    public static int Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20;
        var stream = args.Length > 1 && args[1] == "stream";
        int[] counts = stream ? [1, 8, 16] : [1, 8, 16, 64];
        Console.WriteLine($"path {DotKernels.BestPath}, {Rows} x {Columns}, one thread, {(stream ? "weights streamed from memory" : "weights hot in cache")}, best of {runs}; ms per vector");
        Console.WriteLine($"| type | {string.Join(" | ", counts.Select(c => $"{c} vector{(c == 1 ? "" : "s")}"))} |");
        Console.WriteLine($"|---|{string.Concat(counts.Select(_ => "---:|"))}");
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K })
        {
            var rowBytes = (int)GgmlTypeInfo.RowSize(type, Columns);
            var matrixBytes = (long)rowBytes * Rows;
            var copies = stream ? (int)(400L * 1024 * 1024 / matrixBytes) : 1;
            var w = (byte*)NativeMemory.AlignedAlloc((nuint)(matrixBytes * copies), 64);
            var rng = new Random(1);
            var row = new float[Columns];
            var bytes = new byte[rowBytes];
            for (var r = 0; r < Rows; r++)
            {
                for (var c = 0; c < Columns; c++) row[c] = (float)(rng.NextDouble() * 2 - 1);
                Quantization.Quantize(type, row, bytes);
                Marshal.Copy(bytes, 0, (nint)(w + (long)r * rowBytes), rowBytes);
            }
            for (var c = 1; c < copies; c++)
                Buffer.MemoryCopy(w, w + c * matrixBytes, matrixBytes, matrixBytes);
            var format = QuantizedActivations.FormatFor(type);
            var stride = QuantizedActivations.VectorBytes(format, Columns);
            var cells = new List<string>();
            foreach (var count in counts)
            {
                var x = Enumerable.Range(0, Columns * count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                var xq = (byte*)NativeMemory.AlignedAlloc((nuint)(stride * count), 64);
                var y = new float[Rows * count];
                var best = double.MaxValue;
                fixed (float* xp = x)
                fixed (float* yp = y)
                {
                    for (var i = 0; i < runs; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        for (var v = 0; v < count; v++)
                            QuantizedActivations.Quantize(format, xp + v * Columns, Columns, xq + v * stride);
                        for (var c = 0; c < copies; c++)
                            DotKernels.MatMul(DotKernels.BestPath, type, w + c * matrixBytes, rowBytes, 0, Rows, xq, stride, count, Columns, yp, Rows);
                        best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds / count / copies);
                    }
                }
                NativeMemory.AlignedFree(xq);
                cells.Add($"{best:F3}");
            }
            NativeMemory.AlignedFree(w);
            Console.WriteLine($"| {type} | {string.Join(" | ", cells)} |");
        }
        return 0;
    }
}
