namespace Umbra.Coordinator.RateLimiting;

/// <summary>Requests allowed per API key; bound from the "RateLimit" configuration section.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimit";

    /// <summary>Sustained rate: tokens added to a key's bucket per second.</summary>
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>Bucket size: how many requests a key that has been quiet may send at once.</summary>
    public int Burst { get; set; } = 20;

    /// <summary>
    /// Most keys tracked at once. Past it, buckets that have refilled are dropped (a new full bucket is the
    /// same thing), and if that is not enough the longest-idle ones go, which only ever errs towards allowing.
    /// </summary>
    public int MaxTrackedKeys { get; set; } = 100_000;
}
