namespace Umbra.Coordinator.RateLimiting;

/// <summary>One key's tokens. Time is a <see cref="TimeProvider"/> timestamp, so it is monotonic and fakeable.</summary>
internal sealed class TokenBucket(double tokens, long timestamp)
{
    private readonly Lock gate = new();
    private double tokens = tokens;
    private long updated = timestamp;

    public long LastTouched => Volatile.Read(ref updated);

    public RateLimitDecision TryTake(int permits, long now, TimeProvider time, double rate, int burst)
    {
        lock (gate)
        {
            Refill(now, time, rate, burst);
            if (tokens >= permits)
            {
                tokens -= permits;
                return RateLimitDecision.Allow;
            }
            return new RateLimitDecision(false, TimeSpan.FromSeconds((permits - tokens) / rate));
        }
    }

    /// <summary>True when the bucket would be full now: dropping it changes nothing for its key.</summary>
    public bool IsFull(long now, TimeProvider time, double rate, int burst)
    {
        lock (gate)
            return tokens + (time.GetElapsedTime(updated, now).TotalSeconds * rate) >= burst;
    }

    private void Refill(long now, TimeProvider time, double rate, int burst)
    {
        var elapsed = time.GetElapsedTime(updated, now).TotalSeconds;
        if (elapsed > 0)
        {
            tokens = Math.Min(burst, tokens + (elapsed * rate));
            Volatile.Write(ref updated, now);
        }
    }
}
