using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Umbra.Inference.Model;

/// <summary>
/// The keys and values of every sequence, allocated once for a token budget and handed out in fixed-size
/// blocks through per-sequence block tables (<see cref="KvSequence"/>), so sequences of any length share it
/// without fragmentation: a finished sequence's blocks go straight back to the free list. A block is zeroed
/// when it is freed, so nothing of a finished request stays in memory. Keys and values are stored as
/// <see cref="KvCacheType"/> says (binary16 by default), in pinned arrays, so the attention kernels read them
/// through pointers taken once. Not thread-safe: one evaluator owns it (its writes of different positions may run
/// in parallel).
/// </summary>
internal sealed unsafe class KvCache
{
    public const int DefaultBlockSize = 16;

    private readonly int[] _free;
    private int _freeCount;

    /// <summary>The largest finite binary16, where F16 storage clamps.</summary>
    private const float HalfMax = 65504f;

    // Per layer, float[] (F32) or Half[] (F16), pinned for the cache's life so the pointers below stay valid. Each
    // array's layer starts at its origin (in elements), the first element on a 64-byte line: every block's head part
    // then starts on a line, so the 512-bit attention kernel's loads do not straddle two lines and its requests for
    // the next block cover whole lines.
    private readonly Array[] _keys;
    private readonly Array[] _values;
    private readonly int[] _keyOrigin;
    private readonly int[] _valueOrigin;
    private readonly nint[] _keyData;
    private readonly nint[] _valueData;
    private readonly long _perLayer;

    /// <summary>The alignment of each layer's first element, a cache line.</summary>
    private const int Alignment = 64;

    public KvCache(ModelConfig config, int tokenBudget, KvCacheType type = KvCacheType.F16, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        BlockSize = blockSize;
        KvDim = config.KvDim;
        HeadDim = config.HeadDim;
        Type = type;
        long blocks = ((long)tokenBudget + blockSize - 1) / blockSize;
        long perLayer = blocks * blockSize * KvDim;
        if (perLayer + Alignment > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(tokenBudget),
                $"A budget of {tokenBudget} tokens needs {perLayer} keys per layer, more than one array holds; lower the token budget.");
        TotalBlocks = (int)blocks;
        _keys = new Array[config.BlockCount];
        _values = new Array[config.BlockCount];
        _keyOrigin = new int[config.BlockCount];
        _valueOrigin = new int[config.BlockCount];
        _keyData = new nint[config.BlockCount];
        _valueData = new nint[config.BlockCount];
        _perLayer = perLayer;
        for (int l = 0; l < config.BlockCount; l++)
        {
            _keys[l] = Allocate((int)perLayer, out _keyOrigin[l], out _keyData[l]);
            _values[l] = Allocate((int)perLayer, out _valueOrigin[l], out _valueData[l]);
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

    /// <summary>How keys and values are stored.</summary>
    public KvCacheType Type { get; }

    /// <summary>Bytes per key or value: 2 for F16, 4 for F32.</summary>
    public int ElementBytes => Type.ElementBytes();

    /// <summary>Bytes the whole cache holds, keys and values of every layer.</summary>
    public long Bytes => 2L * _keys.Length * _perLayer * ElementBytes;

    /// <summary>
    /// Layer <paramref name="layer"/>'s keys: block b holds BlockSize × KvDim elements at b × BlockSize × KvDim, head by
    /// head: key-value head h's part of the block starts at <see cref="HeadOffset"/>(h) and holds BlockSize × HeadDim
    /// elements. There, keys are transposed (value d of slot s at d × BlockSize + s) and values
    /// (<see cref="ValueData"/>) are not (slot s's row at s × HeadDim). Attention reads one head's keys and values for
    /// every position, so each block gives it one run to stream rather than a strided row per slot, and the
    /// transposed keys let it score 8 positions per vector. Offsets count elements of <see cref="ElementBytes"/>.
    /// </summary>
    public byte* KeyData(int layer) => (byte*)_keyData[layer];

    /// <summary>Layer <paramref name="layer"/>'s values, laid out as <see cref="KeyData"/> says.</summary>
    public byte* ValueData(int layer) => (byte*)_valueData[layer];

    /// <summary>Layer <paramref name="layer"/>'s keys as stored, float (F32) or Half (F16): for the head-by-head path.</summary>
    public ReadOnlySpan<T> Keys<T>(int layer) where T : unmanaged => ((T[])_keys[layer]).AsSpan(_keyOrigin[layer], (int)_perLayer);

    /// <summary>Layer <paramref name="layer"/>'s values as stored, float (F32) or Half (F16).</summary>
    public ReadOnlySpan<T> Values<T>(int layer) where T : unmanaged => ((T[])_values[layer]).AsSpan(_valueOrigin[layer], (int)_perLayer);

    /// <summary>Element <paramref name="index"/> of layer <paramref name="layer"/>'s keys as a float (tests).</summary>
    public float Key(int layer, long index) => Read(_keys[layer], _keyOrigin[layer] + index);

    /// <summary>Element <paramref name="index"/> of layer <paramref name="layer"/>'s values as a float (tests).</summary>
    public float Value(int layer, long index) => Read(_values[layer], _valueOrigin[layer] + index);

    /// <summary>Elements per layer, of keys and of values alike.</summary>
    public long ElementsPerLayer => _perLayer;

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
            for (int l = 0; l < _keys.Length; l++)
            {
                for (int h = 0; h < KvDim / HeadDim; h++)
                {
                    int head = block + HeadOffset(h);
                    Array.Clear(_values[l], _valueOrigin[l] + head + slot * HeadDim, n * HeadDim);
                    // Keys transposed: the slots' column in each of the head's HeadDim rows.
                    for (int d = 0; d < HeadDim; d++)
                        Array.Clear(_keys[l], _keyOrigin[l] + head + d * BlockSize + slot, n);
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
        ArgumentOutOfRangeException.ThrowIfNotEqual(keys.Length, KvDim);
        ArgumentOutOfRangeException.ThrowIfNotEqual(values.Length, KvDim);
        int block = sequence.Blocks[position / BlockSize] * BlockSize * KvDim, slot = position % BlockSize;
        if (Type == KvCacheType.F32)
        {
            var k = ((float[])_keys[layer]).AsSpan(_keyOrigin[layer], (int)_perLayer);
            var v = ((float[])_values[layer]).AsSpan(_valueOrigin[layer], (int)_perLayer);
            for (int h = 0; h < KvDim / HeadDim; h++)
            {
                int head = block + HeadOffset(h);
                values.Slice(h * HeadDim, HeadDim).CopyTo(v.Slice(head + slot * HeadDim, HeadDim));
                for (int d = 0; d < HeadDim; d++)
                    k[head + d * BlockSize + slot] = keys[h * HeadDim + d];
            }
            return;
        }
        var hk = ((Half[])_keys[layer]).AsSpan(_keyOrigin[layer], (int)_perLayer);
        var hv = ((Half[])_values[layer]).AsSpan(_valueOrigin[layer], (int)_perLayer);
        // A head at a time through scratch on the stack: writes of different positions run in parallel.
        Span<float> clamped = HeadDim <= 512 ? stackalloc float[HeadDim] : new float[HeadDim];
        Span<Half> halves = HeadDim <= 512 ? stackalloc Half[HeadDim] : new Half[HeadDim];
        for (int h = 0; h < KvDim / HeadDim; h++)
        {
            int head = block + HeadOffset(h);
            ToHalf(values.Slice(h * HeadDim, HeadDim), clamped, hv.Slice(head + slot * HeadDim, HeadDim));
            ToHalf(keys.Slice(h * HeadDim, HeadDim), clamped, halves);
            for (int d = 0; d < HeadDim; d++)
                hk[head + d * BlockSize + slot] = halves[d];
        }
        // The scratch held a head of this request's keys: nothing of it stays on the stack (or the heap).
        clamped.Clear();
        halves.Clear();
    }

    /// <summary>
    /// The nearest binary16 of each value with neither infinities, NaNs nor subnormals, which the attention kernel's
    /// widening (<see cref="Tensors.Fp16.ToSingleFinite8"/>) cannot read or reads slowly: magnitudes past the largest
    /// finite half clamp to it; those below the smallest normal one, 2⁻¹⁴, go to the nearer of 0 and ±2⁻¹⁴ (an
    /// absolute error of at most 2⁻¹⁵ ≈ 3·10⁻⁵; widening a vector holding a subnormal costs an Intel core a microcode
    /// assist of about 100 cycles); NaN becomes 0, so every attention path reads the same (a NaN key or value comes
    /// from a NaN in the residual stream, which carries it to the logits anyway).
    /// </summary>
    internal static void ToHalf(ReadOnlySpan<float> source, Span<float> scratch, Span<Half> destination)
    {
        TensorPrimitives.Min(source, HalfMax, scratch);
        TensorPrimitives.Max(scratch, -HalfMax, scratch);
        TensorPrimitives.ConvertToHalf(scratch, destination);
        // One pass over the halves: after the clamp, a magnitude past infinity's (0x7c00) can only be a NaN.
        var bits = MemoryMarshal.Cast<Half, ushort>(destination);
        for (int i = 0; i < bits.Length; i++)
        {
            int h = bits[i], magnitude = h & 0x7fff;
            if (magnitude > 0x7c00)
                bits[i] = 0;
            else if (magnitude is > 0 and < 0x0400)
                bits[i] = (ushort)((h & 0x8000) | (magnitude >= 0x0200 ? 0x0400 : 0));
        }
    }

    private float Read(Array layer, long index) => Type == KvCacheType.F32
        ? ((float[])layer)[index]
        : (float)((Half[])layer)[index];

    /// <summary>
    /// A zeroed, pinned array of this cache's type with room for <paramref name="length"/> elements from a 64-byte
    /// line on: the element at <paramref name="origin"/>, whose address is <paramref name="data"/>.
    /// </summary>
    private Array Allocate(int length, out int origin, out nint data)
    {
        Array array = Type == KvCacheType.F32
            ? GC.AllocateArray<float>(length + Alignment / sizeof(float), pinned: true)
            : GC.AllocateArray<Half>(length + Alignment / 2, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        // Array data is at least 8-byte aligned, so the distance to the next line is a whole number of elements.
        origin = (int)((Alignment - start % Alignment) % Alignment) / ElementBytes;
        data = start + origin * ElementBytes;
        return array;
    }

    private void Free(int block)
    {
        int offset = block * BlockSize * KvDim, count = BlockSize * KvDim;
        for (int l = 0; l < _keys.Length; l++)
        {
            Array.Clear(_keys[l], _keyOrigin[l] + offset, count);
            Array.Clear(_values[l], _valueOrigin[l] + offset, count);
        }
        _free[_freeCount++] = block;
    }
}
