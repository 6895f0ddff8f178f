namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>A timer of <see cref="ManualTimeProvider"/>: due times are kept by the provider.</summary>
internal sealed class ManualTimer(ManualTimeProvider provider, TimerCallback callback, object? state) : ITimer
{
    private bool _disposed;

    public DateTimeOffset? Due { get; set; }

    public TimeSpan Period { get; set; }

    public TimeSpan ScheduledDueTime { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
            return false;
        provider.Schedule(this, dueTime, period);
        return true;
    }

    public void Fire()
    {
        if (!_disposed)
            callback(state);
    }

    public void Dispose()
    {
        _disposed = true;
        provider.Remove(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
