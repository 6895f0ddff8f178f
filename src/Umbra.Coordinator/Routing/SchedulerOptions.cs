namespace Umbra.Coordinator.Routing;

/// <summary>The scheduler's knobs (docs/SCHEDULING.md); the defaults suit a fleet of ordinary providers.</summary>
internal sealed record SchedulerOptions
{
    /// <summary>How long a request waits in its model's queue for room before it is answered 429.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Most requests waiting per model; one more is answered 429 at once.</summary>
    public int MaxQueuedPerModel { get; init; } = 1000;

    /// <summary>Candidates whose estimated cost is within this fraction of the best are chosen among at random.</summary>
    public double TieMargin { get; init; } = 0.10;

    /// <summary>
    /// With more candidates than this, a random sample of this many is costed (the power of many choices keeps
    /// load even); only when none of the sample has room are all of them looked at.
    /// </summary>
    public int SampleSize { get; init; } = 64;

    /// <summary>Two failures of one model on one provider within this window start a cooldown.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a provider gets no requests for a model it failed twice.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A capacity report older than this is forgotten: the provider is routed as one that reports nothing (by
    /// requests in flight, with the cold penalty) until its next heartbeat. Three heartbeats by default.
    /// </summary>
    public TimeSpan ReportsStaleAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tokens assumed for a request that sets no max_tokens.</summary>
    public int DefaultMaxTokens { get; init; } = 512;

    /// <summary>Speeds assumed for a provider (or model) that has not reported any yet.</summary>
    public double DefaultPrefillTokensPerSecond { get; init; } = 200;

    public double DefaultDecodeTokensPerSecond { get; init; } = 20;

    /// <summary>Time assumed for a provider to load a model it unloaded while idle, before it starts on a request.</summary>
    public double ModelLoadSeconds { get; init; } = 5;

    /// <summary>The window over which the queue's drain rate (admissions per second) is measured for Retry-After.</summary>
    public TimeSpan DrainWindow { get; init; } = TimeSpan.FromSeconds(60);
}
