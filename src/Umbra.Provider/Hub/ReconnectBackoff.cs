namespace Umbra.Provider.Hub;

/// <summary>
/// Delays between reconnection attempts: exponential, with full jitter above a floor. After n failures in a row
/// the delay is drawn uniformly from [min, min(max, min·2^(n+1))]: the first retry waits between min and 2·min,
/// and the range doubles until it reaches max. The floor keeps a provider from hammering a coordinator that
/// refuses connections at once; the jitter spreads the reconnections of many providers that lost the same
/// coordinator at the same moment, so its restart is not met by all of them in one instant.
/// </summary>
internal sealed class ReconnectBackoff
{
    // min is at least one tick and max at most a day (under 2^40 ticks): 2^62 times min always reaches max,
    // so doubling can stop there, and the product stays a finite double.
    private const int MaxDoublings = 62;

    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private int _failures;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _min = min;
        _max = max;
        _random = random;
    }

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Failures => _failures;

    /// <summary>The upper end of the range the next delay is drawn from.</summary>
    public TimeSpan Ceiling
    {
        get
        {
            var doublings = Math.Min(_failures + 1, MaxDoublings);
            var ticks = Math.Min((double)_max.Ticks, _min.Ticks * Math.Pow(2, doublings));
            return TimeSpan.FromTicks((long)ticks);
        }
    }

    /// <summary>Records a failure and returns how long to wait before the next attempt.</summary>
    public TimeSpan Next()
    {
        var ceiling = Ceiling;
        if (_failures < int.MaxValue)
            _failures++;
#pragma warning disable CA5394 // Jitter only spreads load; it needs no unpredictability.
        var jitter = _random.NextDouble();
#pragma warning restore CA5394
        return _min + TimeSpan.FromTicks((long)(jitter * (ceiling - _min).Ticks));
    }

    /// <summary>Called after a successful registration: the next failure starts from the shortest range again.</summary>
    public void Reset() => _failures = 0;
}
