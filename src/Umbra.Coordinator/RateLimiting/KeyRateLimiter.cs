using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Umbra.Coordinator.RateLimiting;

/// <summary>
/// A token bucket per API key, in memory: each coordinator process limits on its own. Buckets of keys
/// that have gone quiet are dropped, so memory follows the keys in use, never every key ever seen.
/// </summary>
public sealed class KeyRateLimiter
{
    private readonly ConcurrentDictionary<Guid, TokenBucket> buckets = new();
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly double rate;
    private readonly int burst;
    private readonly int maxTracked;
    private readonly TimeSpan sweepInterval;
    private long lastSweep;
    private int sweeping;

    public KeyRateLimiter(IOptions<RateLimitOptions> options, TimeProvider time, ILogger<KeyRateLimiter>? logger = null)
    {
        var o = options.Value;
        var invalid = new RateLimitOptionsValidator().Validate(null, o);
        if (invalid.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(RateLimitOptions), invalid.Failures);
        rate = o.RequestsPerSecond;
        burst = o.Burst;
        maxTracked = o.MaxTrackedKeys;
        // A bucket idle this long has refilled; sweeping more often than that would find little to drop.
        sweepInterval = TimeSpan.FromSeconds(Math.Max(60, burst / rate));
        this.time = time;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        lastSweep = time.GetTimestamp();
    }

    /// <summary>Keys with a bucket right now.</summary>
    public int TrackedKeys => buckets.Count;

    /// <summary>Takes <paramref name="permits"/> tokens from the key's bucket if it has them.</summary>
    public RateLimitDecision TryAcquire(Guid keyId, int permits = 1)
    {
        if (permits < 1 || permits > burst)
            throw new ArgumentOutOfRangeException(nameof(permits), permits, $"Permits must be between 1 and the burst size ({burst}).");
        var now = time.GetTimestamp();
        var added = false;
        if (!buckets.TryGetValue(keyId, out var bucket))
        {
            bucket = buckets.GetOrAdd(keyId, static (_, s) => new TokenBucket(s.burst, s.now), (burst, now));
            added = true;
        }
        // Take first, sweep after: the sweep spares this key, so its bucket cannot be dropped under it.
        var decision = bucket.TryTake(permits, now, time, rate, burst);
        if (added && buckets.Count > maxTracked)
            Sweep(now, keyId, force: true);
        else if (time.GetElapsedTime(Volatile.Read(ref lastSweep), now) >= sweepInterval)
            Sweep(now, keyId, force: false);
        return decision;
    }

    private void Sweep(long now, Guid keep, bool force)
    {
        // One sweeper at a time; the others go on serving requests.
        if (Interlocked.Exchange(ref sweeping, 1) == 1)
            return;
        try
        {
            Volatile.Write(ref lastSweep, now);
            var dropped = 0;
            foreach (var (key, bucket) in buckets)
            {
                // A request racing with this may take a token from the bucket being dropped and then find a
                // fresh full one: at most a token's leniency, and only for a key that had been idle.
                if (key != keep && bucket.IsFull(now, time, rate, burst) && buckets.TryRemove(new KeyValuePair<Guid, TokenBucket>(key, bucket)))
                    dropped++;
            }
            // Down to 90% of the cap, so that a steady stream of new keys does not sort the table on every one.
            var over = buckets.Count - (maxTracked - (maxTracked / 10));
            if (force && buckets.Count > maxTracked)
            {
                // Every bucket is in use: forget the longest-idle ones. Their keys start afresh with a full
                // bucket, which errs towards allowing a few more requests rather than growing without bound.
                foreach (var (key, bucket) in buckets.Where(b => b.Key != keep).OrderBy(b => b.Value.LastTouched).Take(over).ToList())
                {
                    if (buckets.TryRemove(new KeyValuePair<Guid, TokenBucket>(key, bucket)))
                        dropped++;
                }
                RateLimitLog.EvictedActive(logger, over, maxTracked);
            }
            if (dropped > 0)
                RateLimitLog.Swept(logger, dropped, buckets.Count);
        }
        finally
        {
            Volatile.Write(ref sweeping, 0);
        }
    }
}
