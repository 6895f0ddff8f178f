namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>
/// A clock that moves only when a test says so, so heartbeats, timeouts and backoff are instant and exact.
/// (Microsoft.Extensions.TimeProvider.Testing's FakeTimeProvider is not in the package registry here.)
/// Timers fire on the thread that calls <see cref="Advance"/>, outside the lock.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = [];
    private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Completes once a timer scheduled with exactly <paramref name="dueTime"/> is pending.</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime)
    {
        lock (_gate)
        {
            if (_timers.Any(t => t.ScheduledDueTime == dueTime))
                return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, signal));
            return signal.Task;
        }
    }

    /// <summary>
    /// Moves the clock to now + <paramref name="by"/>, then fires, in due order, each timer that was due by then
    /// (a periodic one once). Timers created by what those callbacks set off count from the new time: a backoff
    /// delay that ends inside the step does not also expire the connect timeout its continuation starts.
    /// </summary>
    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_gate)
        {
            _now += by;
            due = [.. _timers.Where(t => t.Due <= _now).OrderBy(t => t.Due)];
            foreach (var timer in due)
            {
                if (timer.Period > TimeSpan.Zero && timer.Period != Timeout.InfiniteTimeSpan)
                {
                    timer.Due = _now + timer.Period;
                }
                else
                {
                    timer.Due = null;
                    _timers.Remove(timer);
                }
            }
        }
        foreach (var timer in due)
            timer.Fire();
    }

    internal void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        List<TaskCompletionSource> released;
        lock (_gate)
        {
            _timers.Remove(timer);
            timer.Due = null;
            if (dueTime == Timeout.InfiniteTimeSpan)
                return;
            timer.Due = _now + dueTime;
            timer.Period = period;
            timer.ScheduledDueTime = dueTime;
            _timers.Add(timer);
            released = [.. _waiters.Where(w => w.DueTime == dueTime).Select(w => w.Signal)];
            _waiters.RemoveAll(w => w.DueTime == dueTime);
        }
        foreach (var signal in released)
            signal.TrySetResult();
    }

    internal void Remove(ManualTimer timer)
    {
        lock (_gate)
            _timers.Remove(timer);
    }
}
