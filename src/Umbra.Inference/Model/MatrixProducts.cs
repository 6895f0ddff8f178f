using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Model;

/// <summary>
/// Products of one batch of activation vectors with one to three weight matrices that read the same input (the
/// query, key and value projections; the gate and up projections). The activations are quantized once for all of
/// them (split across the pool when the batch is large), and the matrices' rows, taken end to end, are split
/// across the pool in one job: one hand-off per input instead of one per matrix. Allocates nothing once the
/// calling thread's scratch is sized.
/// </summary>
internal static unsafe class MatrixProducts
{
    // Below this many weight bytes, a product runs on the calling thread: handing work out costs more.
    private const long ParallelThresholdBytes = 256 * 1024;

    // Below this many values to quantize, the caller quantizes alone: handing it out costs more. By groups (AVX2) a
    // vector of 2048 takes about 0.3 µs to quantize, a hand-off and the wait for the other part 1-2 µs, so splitting
    // pays from about 16 such vectors on; block by block (other CPUs) it takes about 3 µs.
    private static readonly long ParallelQuantizeValues = QuantizedActivations.QuantizesByGroups ? 32 * 1024 : 4 * 1024;

    /// <summary>
    /// Y_i = X W_iᵀ for each given matrix (all of <paramref name="columns"/> columns and the same activation format),
    /// with X <paramref name="count"/> rows of <paramref name="columns"/> values and Y_i <paramref name="count"/> rows of W_i's rows,
    /// on <paramref name="pool"/> (the shared one, sized to the cores, unless given).
    /// </summary>
    public static void Run(float* x, int count, int columns, WeightMatrix m0, float* y0, WeightMatrix? m1 = null, float* y1 = null,
        WeightMatrix? m2 = null, float* y2 = null, WorkerPool? pool = null)
    {
        pool ??= WorkerPool.Shared;
        var format = QuantizedActivations.FormatFor(m0.Type, DotKernels.BestPath);
        foreach (var m in (ReadOnlySpan<WeightMatrix?>)[m1, m2])
        {
            // One quantization serves all: a matrix whose kernels take another layout would read garbage.
            if (m != null && QuantizedActivations.FormatFor(m.Type, DotKernels.BestPath) is var other && other != format)
                throw new ArgumentException($"{m.Type} weights take {other} activations on the {DotKernels.BestPath} path, not the first matrix's {format}; multiply them separately (WeightMatrix.MultiplyBatch does).", nameof(m1));
        }
        var job = ProductJob.ForThisThread;
        job.Set(x, count, columns, m0, y0, m1, y1, m2, y2);
        try
        {
            if (format == ActivationFormat.Float)
            {
                job.UseActivations((byte*)x, (long)columns * sizeof(float));
            }
            else
            {
                var stride = QuantizedActivations.VectorBytes(format, columns);
                job.UseActivations(ActivationScratch.Get(stride * count), stride);
                job.Quantizing = format;
                if (pool.Size == 1 || count == 1 || (long)count * columns < ParallelQuantizeValues)
                    job.Execute(0, 1);
                else
                    pool.Run(job);
                job.Quantizing = null;
            }
            if (job.WeightBytes < ParallelThresholdBytes || pool.Size == 1)
                job.Execute(0, 1);
            else
                pool.Run(job);
        }
        finally
        {
            job.Clear();
        }
    }

    /// <summary>One reusable job object per calling thread, so handing a product to the pool allocates nothing.</summary>
    private sealed class ProductJob : IWorkerJob
    {
        [ThreadStatic]
        private static ProductJob? t_job;

        private readonly WeightMatrix?[] _m = new WeightMatrix?[3];
        private readonly nint[] _y = new nint[3];
        private float* _x;
        private byte* _xq;
        private long _stride;
        private int _count, _columns, _rows;
        private int _next;

        /// <summary>The smallest run of rows a part takes: a chunk of the kernels' rows (see Q8Tiles), a few hand-offs per product.</summary>
        private const int MinRunRows = 32;

        public static ProductJob ForThisThread => t_job ??= new ProductJob();

        /// <summary>The format the job quantizes the activations into (each part its share of the vectors), null while it multiplies.</summary>
        public ActivationFormat? Quantizing { get; set; }

        public long WeightBytes { get; private set; }

        public void Set(float* x, int count, int columns, WeightMatrix m0, float* y0, WeightMatrix? m1, float* y1, WeightMatrix? m2, float* y2)
        {
            _x = x;
            _count = count;
            _columns = columns;
            Array.Clear(_m);
            _rows = 0;
            WeightBytes = 0;
            _next = 0;
            Add(0, m0, y0);
            Add(1, m1, y1);
            Add(2, m2, y2);
        }

        /// <summary>Puts a matrix in the first free slot, so the given ones are always first.</summary>
        private void Add(int slot, WeightMatrix? m, float* y)
        {
            if (m == null)
                return;
            while (slot > 0 && _m[slot - 1] == null)
                slot--;
            (_m[slot], _y[slot]) = (m, (nint)y);
            _rows += m.Rows;
            WeightBytes += m.RowBytes * m.Rows;
        }

        public void UseActivations(byte* xq, long stride)
        {
            _xq = xq;
            _stride = stride;
        }

        public void Clear()
        {
            Array.Clear(_m);
            Array.Clear(_y);
            _x = null;
            _xq = null;
            Quantizing = null;
        }

        public void Execute(int part, int parts)
        {
            if (Quantizing is { } format)
            {
                var end = (int)((long)_count * (part + 1) / parts);
                for (var v = (int)((long)_count * part / parts); v < end; v++)
                    QuantizedActivations.Quantize(format, _x + (long)v * _columns, _columns, _xq + v * _stride);
                return;
            }
            if (parts == 1 || _count == 1)
            {
                // One vector streams its weights from memory: even halves keep each part's prefetching unbroken
                // (the kernels prefetch no further than the end of their rows), which decode gains more from.
                RunRows((int)((long)_rows * part / parts), (int)((long)_rows * (part + 1) / parts));
                return;
            }
            // Batches: the matrices' rows end to end, handed out in shrinking runs (guided scheduling): each part takes
            // a share of what is left, never less than MinRunRows, until none is left. A part that started late or runs
            // on a slower core simply takes fewer runs, instead of the caller waiting for it at the end of the product
            // (3-5 ms of a 65 ms 8-stream TinyLlama step before, 0.6 ms after).
            while (true)
            {
                int start, size;
                do
                {
                    start = Volatile.Read(ref _next);
                    if (start >= _rows)
                        return;
                    var remaining = _rows - start;
                    size = Math.Min(remaining, Math.Max(MinRunRows, remaining / (2 * parts)));
                    // A run ends where a matrix does, and takes the rest of it when less than a run would be left, so
                    // no matrix gets a sliver of a few rows.
                    var matrixLeft = MatrixEnd(start) - start;
                    size = matrixLeft - size < MinRunRows ? matrixLeft : Math.Min(size, matrixLeft);
                }
                while (Interlocked.CompareExchange(ref _next, start + size, start) != start);
                RunRows(start, start + size);
            }
        }

        /// <summary>Where the matrix holding row <paramref name="row"/> (of the matrices taken end to end) ends.</summary>
        private int MatrixEnd(int row)
        {
            var end = 0;
            for (var i = 0; i < _m.Length && _m[i] is { } m; i++)
            {
                end += m.Rows;
                if (row < end)
                    return end;
            }
            return _rows;
        }

        /// <summary>Rows start..stop−1 of the matrices taken end to end: the slice of every matrix they overlap.</summary>
        private void RunRows(int start, int stop)
        {
            var first = 0;
            for (var i = 0; i < _m.Length && _m[i] is { } m; first += m.Rows, i++)
            {
                int r0 = Math.Max(start - first, 0), r1 = Math.Min(stop - first, m.Rows);
                if (r0 < r1)
                    DotKernels.MatMul(DotKernels.BestPath, m.Type, m.Data, m.RowBytes, r0, r1, _xq, _stride, _count, _columns, (float*)_y[i], m.Rows);
            }
        }
    }

    /// <summary>
    /// Per-thread buffer for quantized activations: pinned (so the workers can read it through a pointer), 32-byte
    /// aligned, and grown by doubling, so after the first few products no call allocates.
    /// </summary>
    private static class ActivationScratch
    {
        [ThreadStatic]
        private static byte[]? t_buffer;

        public static byte* Get(long bytes)
        {
            var buffer = t_buffer;
            if (buffer == null || buffer.Length < bytes + 32)
            {
                var size = Math.Max(bytes + 32, buffer == null ? 64 * 1024 : 2L * buffer.Length);
                buffer = GC.AllocateUninitializedArray<byte>(checked((int)size), pinned: true);
                t_buffer = buffer;
            }
            var p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (byte*)((p + 31) & ~(nint)31);
        }
    }
}
