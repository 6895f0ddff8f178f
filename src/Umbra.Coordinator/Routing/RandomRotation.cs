namespace Umbra.Coordinator.Routing;

/// <summary>
/// A list read in a random order without copying it: from a random place, by a random stride prime to its
/// length, so every item comes once. The scheduler costs only the first few candidates it is given; handing it
/// providers this way makes that sample a spread-out random one (not a run of neighbours, who often joined
/// together and are alike) at the cost of the sample, not of the list.
/// </summary>
internal static class RandomRotation
{
    public static IEnumerable<T> Of<T>(IReadOnlyList<T> items, Random random)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(random);
        var count = items.Count;
        if (count == 0)
            yield break;
        var at = random.Next(count);
        var stride = count == 1 ? 1 : random.Next(1, count);
        while (Gcd(stride, count) != 1)
            stride = random.Next(1, count);
        for (var i = 0; i < count; i++)
        {
            yield return items[at];
            at = (int)(((long)at + stride) % count);
        }
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }
}
