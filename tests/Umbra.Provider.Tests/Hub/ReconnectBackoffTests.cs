using Umbra.Provider.Hub;

namespace Umbra.Provider.Tests.Hub;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void Ceiling_doubles_from_twice_min_and_stops_at_max()
    {
        var backoff = new ReconnectBackoff(Min, Max, new Random(7));
        var ceilings = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            ceilings.Add(backoff.Ceiling.TotalSeconds);
            backoff.Next();
        }
        Assert.Equal([2, 4, 8, 16, 30, 30, 30, 30], ceilings);
    }

    [Fact]
    public void Every_delay_lies_between_min_and_its_ceiling()
    {
        var backoff = new ReconnectBackoff(Min, Max, new Random(11));
        for (var i = 0; i < 200; i++)
        {
            var ceiling = backoff.Ceiling;
            var delay = backoff.Next();
            Assert.InRange(delay, Min, ceiling);
        }
    }

    [Fact]
    public void Delays_are_jittered_across_the_whole_range()
    {
        // At the cap, 200 draws from [1 s, 30 s] must not bunch: both ends of the range get used.
        var backoff = new ReconnectBackoff(Min, Max, new Random(3));
        for (var i = 0; i < 10; i++)
            backoff.Next();
        var delays = Enumerable.Range(0, 200).Select(_ => backoff.Next().TotalSeconds).ToList();
        Assert.True(delays.Min() < 5, $"smallest delay {delays.Min()} s");
        Assert.True(delays.Max() > 25, $"largest delay {delays.Max()} s");
        Assert.True(delays.Distinct().Count() > 190);
    }

    [Fact]
    public void The_same_seed_gives_the_same_delays()
    {
        var a = new ReconnectBackoff(Min, Max, new Random(42));
        var b = new ReconnectBackoff(Min, Max, new Random(42));
        for (var i = 0; i < 20; i++)
            Assert.Equal(a.Next(), b.Next());
    }

    [Fact]
    public void Reset_after_registration_starts_again_from_the_shortest_range()
    {
        var backoff = new ReconnectBackoff(Min, Max, new Random(5));
        for (var i = 0; i < 6; i++)
            backoff.Next();
        Assert.Equal(6, backoff.Failures);
        Assert.Equal(Max, backoff.Ceiling);

        backoff.Reset();

        Assert.Equal(0, backoff.Failures);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Ceiling);
        Assert.InRange(backoff.Next(), Min, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Endless_failures_never_overflow_past_max()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromTicks(1), TimeSpan.FromDays(1), new Random(9));
        for (var i = 0; i < 10_000; i++)
            Assert.InRange(backoff.Next(), TimeSpan.FromTicks(1), TimeSpan.FromDays(1));
        Assert.Equal(TimeSpan.FromDays(1), backoff.Ceiling);
    }

    [Fact]
    public void Equal_min_and_max_give_a_fixed_delay()
    {
        var backoff = new ReconnectBackoff(Min, Min, new Random(1));
        for (var i = 0; i < 10; i++)
            Assert.Equal(Min, backoff.Next());
    }

    [Fact]
    public void Nonsensical_bounds_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.Zero, Max, new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(Max, Min, new Random(1)));
    }
}
