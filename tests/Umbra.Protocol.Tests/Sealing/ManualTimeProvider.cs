namespace Umbra.Protocol.Tests.Sealing;

/// <summary>A clock that moves only when a test moves it, so time-dependent rules are tested without sleeping.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
