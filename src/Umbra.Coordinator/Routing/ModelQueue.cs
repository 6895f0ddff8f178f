namespace Umbra.Coordinator.Routing;

/// <summary>One model's waiting requests in arrival order, and how fast requests of the model are being admitted.</summary>
internal sealed class ModelQueue
{
    private readonly Queue<long> _admissions = new();

    public LinkedList<Ticket> Waiting { get; } = new();

    public void OnAdmitted(long now, TimeProvider time, TimeSpan window)
    {
        _admissions.Enqueue(now);
        Trim(now, time, window);
    }

    /// <summary>Admissions per second over the window; 0 when none.</summary>
    public double DrainRate(long now, TimeProvider time, TimeSpan window)
    {
        Trim(now, time, window);
        if (_admissions.Count == 0)
            return 0;
        var span = Math.Max(1, time.GetElapsedTime(_admissions.Peek(), now).TotalSeconds);
        return _admissions.Count / Math.Min(span, window.TotalSeconds);
    }

    /// <summary>How long a request joining the queue now would wait at the current drain rate; zero when unmeasured.</summary>
    public TimeSpan ExpectedWait(long now, TimeProvider time, TimeSpan window)
    {
        if (Waiting.Count == 0)
            return TimeSpan.Zero;
        var rate = DrainRate(now, time, window);
        return rate > 0 ? TimeSpan.FromSeconds((Waiting.Count + 1) / rate) : TimeSpan.Zero;
    }

    /// <summary>When a rejected client should come back: the time to drain the queue at the measured rate, 1 s to the queue timeout.</summary>
    public TimeSpan RetryAfter(long now, TimeProvider time, SchedulerOptions options)
    {
        var rate = DrainRate(now, time, options.DrainWindow);
        var seconds = rate > 0 ? Math.Ceiling((Waiting.Count + 1) / rate) : options.QueueTimeout.TotalSeconds;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 1, Math.Max(1, options.QueueTimeout.TotalSeconds)));
    }

    private void Trim(long now, TimeProvider time, TimeSpan window)
    {
        while (_admissions.Count > 0 && time.GetElapsedTime(_admissions.Peek(), now) > window)
            _admissions.Dequeue();
    }
}
