using Umbra.Coordinator.Routing;

namespace Umbra.Coordinator.Tests.Routing;

public sealed class RandomRotationTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(64)]
    [InlineData(97)]
    [InlineData(1000)]
    public void Every_item_comes_exactly_once(int count)
    {
        var items = Enumerable.Range(0, count).ToArray();
        var random = new Random(count);
        for (var run = 0; run < 20; run++)
            Assert.Equal(items, RandomRotation.Of(items, random).Order());
    }

    [Fact]
    public void A_short_prefix_is_a_spread_out_sample_not_a_run_of_neighbours()
    {
        // Two halves that joined one after the other: a sample of 64 should hold both in about equal parts.
        var items = Enumerable.Range(0, 2000).ToArray();
        var random = new Random(7);
        var firstHalf = new List<double>();
        var starts = new HashSet<int>();
        for (var run = 0; run < 500; run++)
        {
            var sample = RandomRotation.Of(items, random).Take(64).ToArray();
            starts.Add(sample[0]);
            firstHalf.Add(sample.Count(i => i < 1000) / 64.0);
        }
        Assert.True(starts.Count > 400, $"only {starts.Count} distinct starting points in 500 samples");
        Assert.InRange(firstHalf.Average(), 0.45, 0.55);
        // No sample is (almost) all from one half, as a contiguous window starting near the boundary would be.
        Assert.True(firstHalf.Count(f => f is < 0.1 or > 0.9) < 25, "too many samples from one half only");
    }
}
