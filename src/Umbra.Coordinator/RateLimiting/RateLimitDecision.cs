namespace Umbra.Coordinator.RateLimiting;

/// <summary>Whether a request may proceed; if not, how long until it would.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static RateLimitDecision Allow => new(true, TimeSpan.Zero);

    /// <summary>For an HTTP Retry-After header: whole seconds, rounded up, at least 1.</summary>
    public int RetryAfterSeconds => Allowed ? 0 : Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));
}
