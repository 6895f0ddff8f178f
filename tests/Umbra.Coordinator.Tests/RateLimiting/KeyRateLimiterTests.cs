using Microsoft.Extensions.Options;
using Umbra.Coordinator.RateLimiting;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.RateLimiting;

/// <summary>Per-key token buckets, on a clock that moves only when the test says so.</summary>
public class KeyRateLimiterTests
{
    private readonly ManualTimeProvider time = new();

    private KeyRateLimiter Limiter(double rate = 2, int burst = 3, int maxTracked = 1000) =>
        new(Options.Create(new RateLimitOptions { RequestsPerSecond = rate, Burst = burst, MaxTrackedKeys = maxTracked }), time);

    [Fact]
    public void A_burst_is_allowed_then_the_next_request_is_told_when_to_retry()
    {
        var limiter = Limiter(rate: 2, burst: 3);
        var key = Guid.NewGuid();

        for (var i = 0; i < 3; i++)
            Assert.Equal(RateLimitDecision.Allow, limiter.TryAcquire(key));
        var denied = limiter.TryAcquire(key);

        Assert.False(denied.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(0.5), denied.RetryAfter);
        Assert.Equal(1, denied.RetryAfterSeconds);
    }

    [Fact]
    public void Waiting_the_advised_time_is_exactly_enough()
    {
        var limiter = Limiter(rate: 2, burst: 3);
        var key = Guid.NewGuid();
        for (var i = 0; i < 3; i++)
            limiter.TryAcquire(key);

        time.Advance(TimeSpan.FromSeconds(0.25));
        var denied = limiter.TryAcquire(key);
        Assert.Equal(TimeSpan.FromSeconds(0.25), denied.RetryAfter);

        time.Advance(denied.RetryAfter - TimeSpan.FromTicks(1));
        Assert.False(limiter.TryAcquire(key).Allowed);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.True(limiter.TryAcquire(key).Allowed);
        Assert.False(limiter.TryAcquire(key).Allowed);
    }

    [Fact]
    public void A_quiet_key_refills_up_to_the_burst_and_no_further()
    {
        var limiter = Limiter(rate: 2, burst: 3);
        var key = Guid.NewGuid();
        for (var i = 0; i < 3; i++)
            limiter.TryAcquire(key);

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => limiter.TryAcquire(key).Allowed));
    }

    [Fact]
    public void Keys_do_not_share_a_bucket()
    {
        var limiter = Limiter(rate: 1, burst: 1);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();

        Assert.True(limiter.TryAcquire(a).Allowed);
        Assert.False(limiter.TryAcquire(a).Allowed);
        Assert.True(limiter.TryAcquire(b).Allowed);
    }

    [Fact]
    public void A_request_may_cost_several_permits_but_never_more_than_the_burst()
    {
        var limiter = Limiter(rate: 1, burst: 5);
        var key = Guid.NewGuid();

        Assert.True(limiter.TryAcquire(key, 4).Allowed);
        var denied = limiter.TryAcquire(key, 2);
        Assert.Equal(TimeSpan.FromSeconds(1), denied.RetryAfter);
        Assert.True(limiter.TryAcquire(key, 1).Allowed);
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.TryAcquire(key, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.TryAcquire(key, 0));
    }

    [Fact]
    public void Memory_stays_bounded_however_many_keys_arrive()
    {
        var limiter = Limiter(rate: 0.001, burst: 1, maxTracked: 100);

        for (var i = 0; i < 5000; i++)
        {
            Assert.True(limiter.TryAcquire(Guid.NewGuid()).Allowed);
            Assert.True(limiter.TrackedKeys <= 100, $"{limiter.TrackedKeys} buckets after {i + 1} keys");
        }
    }

    [Fact]
    public void The_newest_key_is_limited_even_when_the_table_is_full()
    {
        var limiter = Limiter(rate: 0.001, burst: 1, maxTracked: 10);
        for (var i = 0; i < 10; i++)
            limiter.TryAcquire(Guid.NewGuid());
        var key = Guid.NewGuid();

        Assert.True(limiter.TryAcquire(key).Allowed);
        Assert.False(limiter.TryAcquire(key).Allowed);
    }

    [Fact]
    public void Idle_buckets_are_dropped_but_a_limited_key_stays_limited()
    {
        var limiter = Limiter(rate: 0.01, burst: 2); // an empty bucket refills in 200 s, which is also the sweep interval
        for (var i = 0; i < 50; i++)
            limiter.TryAcquire(Guid.NewGuid()); // one-off keys, each left with 1 of 2 tokens
        var limited = Guid.NewGuid();
        limiter.TryAcquire(limited, 2);
        Assert.Equal(51, limiter.TrackedKeys);

        time.Advance(TimeSpan.FromSeconds(150));
        Assert.True(limiter.TryAcquire(limited).Allowed); // 1.5 tokens, 0.5 left
        Assert.Equal(51, limiter.TrackedKeys);

        // Past the sweep interval: the one-off keys have refilled, so dropping them changes nothing; the
        // limited key (1.1 tokens) keeps its bucket, and so does the key whose request ran the sweep.
        time.Advance(TimeSpan.FromSeconds(60));
        limiter.TryAcquire(Guid.NewGuid());
        Assert.Equal(2, limiter.TrackedKeys);
        Assert.True(limiter.TryAcquire(limited).Allowed);
        Assert.False(limiter.TryAcquire(limited).Allowed);
    }

    [Fact]
    public async Task Concurrent_requests_never_take_more_than_the_burst()
    {
        var limiter = Limiter(rate: 1, burst: 100);
        var key = Guid.NewGuid();
        var allowed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (limiter.TryAcquire(key).Allowed)
                    Interlocked.Increment(ref allowed);
            }
        })));

        Assert.Equal(100, allowed);
    }

    [Theory]
    [InlineData(0, 1, 1, "RequestsPerSecond")]
    [InlineData(double.NaN, 1, 1, "RequestsPerSecond")]
    [InlineData(1, 0, 1, "Burst")]
    [InlineData(1, 1, 0, "MaxTrackedKeys")]
    public void Nonsense_options_are_refused_by_name(double rate, int burst, int maxTracked, string name)
    {
        var e = Assert.Throws<OptionsValidationException>(() => Limiter(rate, burst, maxTracked));
        Assert.Contains("RateLimit:" + name, e.Message, StringComparison.Ordinal);
    }
}
