namespace Umbra.Protocol.Sealing;

/// <summary>
/// The request ids a provider has opened recently, so that a request replayed within the window is refused.
/// Memory is bounded: ids are forgotten once their window has passed, and when <see cref="Capacity"/> ids are
/// all still within it, new requests are refused rather than an id forgotten early, because forgetting early
/// would let a replay through. Safe to share between threads.
/// </summary>
public sealed class ReplayGuard
{
    /// <summary>How long an opened request id is remembered: 10 minutes.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(10);

    /// <summary>The default number of ids remembered at once: far above what one provider opens in a window.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<RequestId, DateTimeOffset> _expiries = [];

    // In recording order, which is expiry order while the clock moves forward; eviction stops at the first
    // unexpired entry, so a clock that steps back only keeps entries longer.
    private readonly Queue<(RequestId Id, DateTimeOffset Expires)> _order = new();

    public ReplayGuard(TimeProvider? timeProvider = null, TimeSpan? window = null, int capacity = DefaultCapacity)
    {
        var span = window ?? DefaultWindow;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(span, TimeSpan.Zero, nameof(window));
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _timeProvider = timeProvider ?? TimeProvider.System;
        Window = span;
        Capacity = capacity;
    }

    public TimeSpan Window { get; }

    public int Capacity { get; }

    /// <summary>The number of ids remembered now (expired ones are forgotten first).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                EvictExpired(_timeProvider.GetUtcNow());
                return _expiries.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="requestId"/> was recorded within the window.</summary>
    public bool Contains(RequestId requestId)
    {
        lock (_gate)
        {
            EvictExpired(_timeProvider.GetUtcNow());
            return _expiries.ContainsKey(requestId);
        }
    }

    /// <summary>Records <paramref name="requestId"/>; false when it was already recorded within the window (a replay).</summary>
    /// <exception cref="SealingException">The guard is full of ids still within the window.</exception>
    public bool TryRecord(RequestId requestId)
    {
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            EvictExpired(now);
            if (_expiries.ContainsKey(requestId))
                return false;
            if (_expiries.Count >= Capacity)
            {
                throw new SealingException(
                    $"The replay guard already holds {Capacity} request ids opened within the last {Window}; "
                    + "new requests are refused until the oldest expire.");
            }
            var expires = now + Window;
            _expiries.Add(requestId, expires);
            _order.Enqueue((requestId, expires));
            return true;
        }
    }

    private void EvictExpired(DateTimeOffset now)
    {
        while (_order.TryPeek(out var oldest) && oldest.Expires <= now)
        {
            _order.Dequeue();
            _expiries.Remove(oldest.Id);
        }
    }
}
