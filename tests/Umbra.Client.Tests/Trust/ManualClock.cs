namespace Umbra.Client.Tests.Trust;

/// <summary>A clock a test moves by hand, so that bundle ageing takes no real time.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
