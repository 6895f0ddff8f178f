using Umbra.Inference.Generation;

namespace Umbra.Inference.Tests.Generation;

public class StopSequenceFilterTests
{
    [Fact]
    public void Holds_back_a_possible_stop_prefix_and_releases_it_when_it_is_not_one()
    {
        var f = new StopSequenceFilter(["END"]);
        Assert.Equal(("abc", false), f.Push("abcE"));
        Assert.Equal(("", false), f.Push("N"));
        Assert.Equal(("ENx", false), f.Push("x"));
        Assert.Equal("", f.Flush());
    }

    [Fact]
    public void Cuts_at_the_earliest_stop_sequence_even_across_pushes()
    {
        var f = new StopSequenceFilter(["world", "lo w"]);
        Assert.Equal(("hel", false), f.Push("hello"));
        Assert.Equal(("", true), f.Push(" world")); // "lo w" starts before "world": the held "lo" is cut too
    }

    [Fact]
    public void Without_stops_passes_text_through()
    {
        var f = new StopSequenceFilter([]);
        Assert.Equal(("abc", false), f.Push("abc"));
    }
}
