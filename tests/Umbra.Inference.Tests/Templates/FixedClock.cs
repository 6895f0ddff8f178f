namespace Umbra.Inference.Tests.Templates;

/// <summary>A clock stopped at one instant, in UTC, so <c>strftime_now</c> is deterministic.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
