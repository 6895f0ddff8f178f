namespace Umbra.Inference.Model;

/// <summary>
/// The keys and values of every sequence, allocated once for a token budget and handed out in fixed-size
/// blocks through per-sequence block tables (<see cref="KvSequence"/>), so sequences of any length share it
/// without fragmentation: a finished sequence's blocks go straight back to the free list. A block is zeroed
/// when it is freed, so nothing of a finished request stays in memory. Not thread-safe: one evaluator owns it.
/// </summary>
internal sealed class KvCache
{
    public const int DefaultBlockSize = 16;

    private readonly int[] _free;
    private int _freeCount;

    public KvCache(ModelConfig config, int tokenBudget, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        BlockSize = blockSize;
        KvDim = config.KvDim;
        HeadDim = config.HeadDim;
        TotalBlocks = (tokenBudget + blockSize - 1) / blockSize;
        long perLayer = (long)TotalBlocks * blockSize * KvDim;
        if (perLayer > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(tokenBudget), $"A budget of {tokenBudget} tokens needs {perLayer} values per layer, more than one array holds.");
        Keys = new float[config.BlockCount][];
        Values = new float[config.BlockCount][];
        for (int l = 0; l < config.BlockCount; l++)
        {
            Keys[l] = new float[perLayer];
            Values[l] = new float[perLayer];
        }
        _free = new int[TotalBlocks];
        // Hand out low blocks first (popped from the end).
        for (int i = 0; i < TotalBlocks; i++) _free[i] = TotalBlocks - 1 - i;
        _freeCount = TotalBlocks;
    }

    public int BlockSize { get; }
    public int KvDim { get; }
    public int HeadDim { get; }
    public int TotalBlocks { get; }
    public int FreeBlocks => _freeCount;
    public int TokenBudget => TotalBlocks * BlockSize;

    /// <summary>
    /// Per layer: block b holds BlockSize × KvDim values at b × BlockSize × KvDim, head by head: key-value head h's
    /// part of the block starts at <see cref="HeadOffset"/>(h) and holds BlockSize × HeadDim values. There, keys are
    /// transposed (value d of slot s at d × BlockSize + s) and values are not (slot s's row at s × HeadDim).
    /// Attention reads one head's keys and values for every position, so each block gives it one run to stream
    /// rather than a strided row per slot, and the transposed keys let it score 8 positions per vector.
    /// </summary>
    public float[][] Keys { get; }

    public float[][] Values { get; }

    public int BlocksFor(int positions) => (positions + BlockSize - 1) / BlockSize;

    public KvSequence CreateSequence(int maxPositions) => new(maxPositions, BlockSize);

    /// <summary>Whether <paramref name="sequence"/> could be given room for <paramref name="positions"/> now.</summary>
    public bool CanReserve(KvSequence sequence, int positions) =>
        BlocksFor(positions) - sequence.BlockCount <= _freeCount;

    /// <summary>
    /// Gives <paramref name="sequence"/> exactly the blocks <paramref name="positions"/> need: more from the
    /// free list, or its blocks past that returned (zeroed). Returns false, changing nothing, when too few are free.
    /// </summary>
    public bool TryReserve(KvSequence sequence, int positions)
    {
        if (positions > sequence.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(positions), $"{positions} positions exceed the sequence's {sequence.MaxPositions}.");
        int need = BlocksFor(positions);
        if (need - sequence.BlockCount > _freeCount) return false;
        if (positions < sequence.Length) sequence.Truncate(positions);
        while (sequence.BlockCount < need)
            sequence.Blocks[sequence.BlockCount++] = _free[--_freeCount];
        while (sequence.BlockCount > need)
            Free(sequence.Blocks[--sequence.BlockCount]);
        return true;
    }

    /// <summary>Returns every block of <paramref name="sequence"/>, zeroed, and empties it.</summary>
    public void Release(KvSequence sequence)
    {
        sequence.Truncate(0);
        while (sequence.BlockCount > 0)
            Free(sequence.Blocks[--sequence.BlockCount]);
    }

    /// <summary>Zeroes the keys and values of positions <paramref name="from"/>..Length−1 without giving blocks back.</summary>
    public void Wipe(KvSequence sequence, int from)
    {
        for (int p = from; p < sequence.Length;)
        {
            int slot = p % BlockSize;
            int n = Math.Min(BlockSize - slot, sequence.Length - p);
            int block = sequence.Blocks[p / BlockSize] * BlockSize * KvDim;
            for (int l = 0; l < Keys.Length; l++)
            {
                for (int h = 0; h < KvDim / HeadDim; h++)
                {
                    int head = block + HeadOffset(h);
                    Array.Clear(Values[l], head + slot * HeadDim, n * HeadDim);
                    // Keys transposed: the slots' column in each of the head's HeadDim rows.
                    for (int d = 0; d < HeadDim; d++)
                        Array.Clear(Keys[l], head + d * BlockSize + slot, n);
                }
            }
            p += n;
        }
    }

    /// <summary>Where key-value head <paramref name="head"/>'s rows start inside each block.</summary>
    public int HeadOffset(int head) => head * BlockSize * HeadDim;

    /// <summary>
    /// Writes the keys and values (KvDim each, head after head) of position <paramref name="position"/> of a
    /// sequence into layer <paramref name="layer"/>.
    /// </summary>
    public void Write(int layer, KvSequence sequence, int position, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        int block = sequence.Blocks[position / BlockSize] * BlockSize * KvDim, slot = position % BlockSize;
        var k = Keys[layer];
        var v = Values[layer];
        for (int h = 0; h < KvDim / HeadDim; h++)
        {
            int head = block + HeadOffset(h);
            values.Slice(h * HeadDim, HeadDim).CopyTo(v.AsSpan(head + slot * HeadDim, HeadDim));
            for (int d = 0; d < HeadDim; d++)
                k[head + d * BlockSize + slot] = keys[h * HeadDim + d];
        }
    }

    private void Free(int block)
    {
        int offset = block * BlockSize * KvDim, count = BlockSize * KvDim;
        for (int l = 0; l < Keys.Length; l++)
        {
            Array.Clear(Keys[l], offset, count);
            Array.Clear(Values[l], offset, count);
        }
        _free[_freeCount++] = block;
    }
}
