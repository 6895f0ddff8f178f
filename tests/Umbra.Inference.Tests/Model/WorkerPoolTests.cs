using Umbra.Inference.Model;

namespace Umbra.Inference.Tests.Model;

public class WorkerPoolTests
{
    [Fact]
    public void Every_part_runs_exactly_once_per_job_over_many_jobs()
    {
        var pool = new WorkerPool(3);
        var hits = new int[3];
        for (int job = 0; job < 5000; job++)
            pool.Run((part, parts) => Interlocked.Increment(ref hits[part]));
        Assert.All(hits, h => Assert.Equal(5000, h));
    }

    [Fact]
    public void An_exception_in_a_worker_reaches_the_caller_and_the_pool_keeps_working()
    {
        var pool = new WorkerPool(2);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Run((part, _) =>
        {
            if (part == 1) throw new InvalidOperationException("worker part failed");
        }));
        Assert.Equal("worker part failed", e.Message);

        int ran = 0;
        pool.Run((_, _) => Interlocked.Increment(ref ran));
        Assert.Equal(2, ran);
    }

    [Fact]
    public void The_caller_waits_for_workers_even_when_its_own_part_fails()
    {
        var pool = new WorkerPool(2);
        int workerFinished = 0;
        Assert.Throws<InvalidOperationException>(() => pool.Run((part, _) =>
        {
            if (part == 0) throw new InvalidOperationException("caller part failed");
            Thread.Sleep(50);
            Volatile.Write(ref workerFinished, 1);
        }));
        Assert.Equal(1, Volatile.Read(ref workerFinished));
    }

    [Fact]
    public void Concurrent_callers_each_get_their_whole_job_done()
    {
        var pool = new WorkerPool(2);
        var totals = new long[4];
        Parallel.For(0, 4, caller =>
        {
            for (int job = 0; job < 500; job++)
            {
                var counts = new int[2];
                pool.Run((part, parts) => Interlocked.Add(ref counts[part], 1));
                Interlocked.Add(ref totals[caller], counts.Sum());
            }
        });
        // Alone or shared, a job covers all of its parts: 2 when split, 1 when the caller ran it whole.
        Assert.All(totals, t => Assert.InRange(t, 500, 1000));
    }
}
