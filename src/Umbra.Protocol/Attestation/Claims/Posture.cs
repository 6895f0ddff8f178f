namespace Umbra.Protocol.Attestation;

/// <summary>The process's security posture: a set of named facts, at most one per name.</summary>
public sealed class Posture
{
    public Posture(IEnumerable<PostureItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items];
    }

    public static Posture Empty { get; } = new([]);

    public IReadOnlyList<PostureItem> Items { get; }

    /// <summary>The value of item <paramref name="name"/>, or null when it is not reported.</summary>
    public string? this[string name] => Items.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal))?.Value;

    /// <summary>
    /// Whether this posture has degraded since <paramref name="earlier"/>: an item reported then is missing now or
    /// ranks lower in <see cref="PostureVocabulary"/>. Items whose name (or value) is not in the vocabulary are
    /// compared by equality: any change counts as worse. New items and improvements do not.
    /// </summary>
    public bool IsWorseThan(Posture earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return WorseItems(earlier).Any();
    }

    /// <summary>The names of the items that make this posture worse than <paramref name="earlier"/>, for messages.</summary>
    public IEnumerable<string> WorseItems(Posture earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        foreach (var before in earlier.Items)
        {
            var now = this[before.Name];
            if (now is null)
            {
                yield return before.Name;
                continue;
            }
            if (string.Equals(now, before.Value, StringComparison.Ordinal))
                continue;
            var rankBefore = PostureVocabulary.RankOf(before.Name, before.Value);
            var rankNow = PostureVocabulary.RankOf(before.Name, now);
            // Unknown names or values: any change is treated as worse, since nothing says it is not.
            if (rankBefore is null || rankNow is null || rankNow > rankBefore)
                yield return before.Name;
        }
    }

    public override string ToString() => string.Join(", ", Items.Select(i => $"{i.Name}={i.Value}"));
}
