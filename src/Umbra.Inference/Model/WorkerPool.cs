using System.Diagnostics;

namespace Umbra.Inference.Model;

/// <summary>A job split into parts: <see cref="Execute"/>(part, parts) runs once for each part, on different threads.</summary>
internal interface IWorkerJob
{
    void Execute(int part, int parts);
}

/// <summary>
/// Long-lived compute threads that split one job into equal parts: the caller runs part 0 and each worker
/// one more part. Workers spin briefly between jobs (a forward pass issues jobs microseconds apart) and then
/// sleep, so an idle engine burns no CPU. Handing a job to the thread pool instead costs about a millisecond
/// of wake-up per matrix on small VMs, which dominated decode time.
/// </summary>
internal sealed class WorkerPool
{
    private const long SpinTicksBeforeSleep = 200; // microseconds, converted below

    private readonly object _lock = new();
    private readonly long[] _done;
    private readonly long _spinTicks = SpinTicksBeforeSleep * Stopwatch.Frequency / 1_000_000;
    private IWorkerJob? _job;
    private Exception? _failure;
    private long _generation;
    private int _runners;

    public WorkerPool(int threads)
    {
        Size = Math.Max(1, threads);
        _done = new long[Size];
        for (int k = 1; k < Size; k++)
        {
            int part = k;
            new Thread(() => WorkerLoop(part)) { IsBackground = true, Name = $"umbra-compute-{k}" }.Start();
        }
    }

    /// <summary>The shared pool, one thread per core (the caller counts as one).</summary>
    public static WorkerPool Shared { get; } = new(Environment.ProcessorCount);

    /// <summary>Number of parts a job is split into.</summary>
    public int Size { get; }

    /// <summary>Runs <paramref name="job"/>(part, parts) for every part, in parallel, and returns when all are done.</summary>
    /// <remarks>Allocates a wrapper per call; hot paths use <see cref="Run(IWorkerJob)"/> with a reused job object.</remarks>
    public void Run(Action<int, int> job) => Run(new ActionJob(job));

    /// <summary>
    /// Runs <paramref name="job"/>.Execute(part, parts) for every part, in parallel, and returns when all are done.
    /// Allocates nothing: the pool holds the job only until this returns, so callers can reuse one job object.
    /// </summary>
    public void Run(IWorkerJob job)
    {
        if (Size == 1 || Interlocked.CompareExchange(ref _runners, 1, 0) != 0)
        {
            // One job at a time: a second concurrent caller runs its job alone rather than wait.
            job.Execute(0, 1);
            return;
        }
        try
        {
            _job = job;
            _failure = null;
            long generation;
            lock (_lock)
            {
                generation = ++_generation;
                Monitor.PulseAll(_lock);
            }
            try
            {
                job.Execute(0, Size);
            }
            finally
            {
                // Even when our own part failed, the workers still use the caller's buffers: wait for them.
                for (int k = 1; k < Size; k++)
                {
                    var spin = new SpinWait();
                    while (Volatile.Read(ref _done[k]) != generation) spin.SpinOnce(sleep1Threshold: -1);
                }
                _job = null;
            }
            if (_failure is { } failure)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            Volatile.Write(ref _runners, 0);
        }
    }

    private void WorkerLoop(int part)
    {
        long seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen)
            {
                if (Stopwatch.GetTimestamp() - start < _spinTicks)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                lock (_lock)
                {
                    while (_generation == seen) Monitor.Wait(_lock);
                }
            }
            seen = Volatile.Read(ref _generation);
            try
            {
                _job!.Execute(part, Size);
            }
            catch (Exception e)
            {
                // Handed to the caller, which rethrows it; a worker thread must never die.
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            Volatile.Write(ref _done[part], seen);
        }
    }

    /// <summary>A job made from a delegate; made once and reused, handing it out allocates nothing.</summary>
    public sealed class ActionJob(Action<int, int> action) : IWorkerJob
    {
        public void Execute(int part, int parts) => action(part, parts);
    }
}
