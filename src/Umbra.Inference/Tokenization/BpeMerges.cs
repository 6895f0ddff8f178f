namespace Umbra.Inference.Tokenization;

/// <summary>
/// tokenizer.ggml.merges: "left right" strings whose index is the merge rank (lower merges first).
/// Each distinct side gets a small id so a pair lookup is one dictionary probe on a 64-bit key,
/// without building the pair's string.
/// </summary>
internal sealed class BpeMerges
{
    private readonly Dictionary<string, int> _parts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _partLookup;
    private readonly Dictionary<long, int> _ranks;

    public BpeMerges(string[] merges)
    {
        _partLookup = _parts.GetAlternateLookup<ReadOnlySpan<char>>();
        _ranks = new Dictionary<long, int>(merges.Length);
        for (int rank = 0; rank < merges.Length; rank++)
        {
            string merge = merges[rank];
            // As llama.cpp: split at the first space after the first character; without one, both sides are empty.
            int space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            string left = space < 0 ? "" : merge[..space];
            string right = space < 0 ? "" : merge[(space + 1)..];
            // The first occurrence of a pair keeps its rank.
            _ranks.TryAdd(Key(PartId(left), PartId(right)), rank);
        }
    }

    public int Count => _ranks.Count;

    /// <summary>The id of a merge side, or -1 when no merge has this text on either side.</summary>
    public int FindPart(ReadOnlySpan<char> text) => _partLookup.TryGetValue(text, out int id) ? id : -1;

    /// <summary>The rank of merging two sides, or -1 when they do not merge.</summary>
    public int Rank(int leftPart, int rightPart) =>
        leftPart >= 0 && rightPart >= 0 && _ranks.TryGetValue(Key(leftPart, rightPart), out int rank) ? rank : -1;

    private int PartId(string text)
    {
        if (!_parts.TryGetValue(text, out int id))
        {
            id = _parts.Count;
            _parts.Add(text, id);
        }
        return id;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
