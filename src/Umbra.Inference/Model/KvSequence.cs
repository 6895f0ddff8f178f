namespace Umbra.Inference.Model;

/// <summary>
/// One sequence's place in a <see cref="KvCache"/>: its block table (which cache blocks hold its positions,
/// in order) and the tokens whose keys and values are there. Owned by one evaluator at a time.
/// </summary>
internal sealed class KvSequence
{
    private readonly int[] _tokens;

    public KvSequence(int maxPositions, int blockSize)
    {
        MaxPositions = maxPositions;
        Blocks = new int[(maxPositions + blockSize - 1) / blockSize];
        _tokens = new int[maxPositions];
    }

    /// <summary>Most positions the sequence may hold (its context length).</summary>
    public int MaxPositions { get; }

    /// <summary>Cache block of each run of positions; the first <see cref="BlockCount"/> entries are in use.</summary>
    public int[] Blocks { get; }

    public int BlockCount { get; internal set; }

    /// <summary>Positions whose keys and values are in the cache.</summary>
    public int Length { get; private set; }

    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Length);

    /// <summary>Records tokens evaluated at the end of the sequence (their keys and values are written).</summary>
    internal void Append(ReadOnlySpan<int> tokens)
    {
        tokens.CopyTo(_tokens.AsSpan(Length));
        Length += tokens.Length;
    }

    /// <summary>Forgets positions from <paramref name="length"/> on; their cache entries are overwritten as the sequence grows.</summary>
    internal void Truncate(int length)
    {
        if ((uint)length > (uint)Length) throw new ArgumentOutOfRangeException(nameof(length), "Cannot truncate forward.");
        Array.Clear(_tokens, length, Length - length);
        Length = length;
    }
}
