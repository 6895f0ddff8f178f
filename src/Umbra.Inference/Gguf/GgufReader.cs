using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Gguf;

/// <summary>
/// Bounds-checked parser of a GGUF header over a block of memory. Every count and length is checked
/// against the bytes that remain before anything is allocated, so a hostile file cannot make it
/// allocate more than a small multiple of its own size.
/// </summary>
internal unsafe sealed class GgufReader
{
    public const uint Magic = 0x46554747; // "GGUF" little-endian
    public const int MaxDimensions = 4;
    public const int MaxArrayDepth = 4;
    public const long MaxStringBytes = 64L * 1024 * 1024;

    // Limits far above any real model (vocabularies hold a few hundred thousand tokens, models a few
    // thousand tensors) that keep every count an int and every array under 2 GiB even in a huge file.
    public const int MaxArrayElements = 1 << 24;
    public const int MaxMetadataCount = 1 << 20;
    public const int MaxTensorCount = 1 << 20;
    public const long MaxAlignment = 1 << 20;
    private const string AlignmentKey = "general.alignment";
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly byte* _base;
    private readonly long _length;
    private long _pos;

    public GgufReader(byte* data, long length)
    {
        _base = data;
        _length = length;
    }

    public long Position => _pos;

    /// <summary>Parses a header held in managed memory, so that corrupted copies can be checked without touching the disk.</summary>
    internal static GgufHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            return new GgufReader(p, data.Length).ReadHeader();
    }

    public GgufHeader ReadHeader()
    {
        if (_length < 4)
            throw new GgufFormatException($"File is too short to be GGUF ({_length} bytes)", 0);
        uint magic = ReadUInt32();
        if (magic != Magic)
        {
            throw new GgufFormatException(
                $"Bad magic 0x{magic:X8}: not a GGUF file (expected the bytes 'GGUF')", 0);
        }
        uint version = ReadUInt32();
        if (version is not (2 or 3))
        {
            string hint = version == 1 ? " (GGUF v1 is obsolete; convert the model again)"
                : BinaryPrimitives.ReverseEndianness(version) is 2 or 3 ? " (this looks like a big-endian GGUF, which is not supported)"
                : string.Empty;
            throw new GgufFormatException($"Unsupported GGUF version {version}{hint}", 4);
        }

        long tensorCountAt = _pos;
        ulong tensorCount = ReadUInt64();
        long kvCountAt = _pos;
        ulong kvCount = ReadUInt64();

        // Each metadata entry takes at least 8 (key length) + 1 (key) + 4 (type) + 1 (value) bytes,
        // each tensor info at least 8 + 1 + 4 + 8 + 4 + 8. The fixed limits come first so that the
        // counts fit in an int whatever the file size.
        if (kvCount > MaxMetadataCount)
            throw new GgufFormatException($"Metadata count {kvCount} exceeds the limit of {MaxMetadataCount}", kvCountAt);
        if (kvCount > (ulong)(Remaining / 14))
            throw new GgufFormatException($"Metadata count {kvCount} cannot fit in the {Remaining} bytes that remain", kvCountAt);
        if (tensorCount > MaxTensorCount)
            throw new GgufFormatException($"Tensor count {tensorCount} exceeds the limit of {MaxTensorCount}", tensorCountAt);
        if (tensorCount > (ulong)(Remaining / 33))
            throw new GgufFormatException($"Tensor count {tensorCount} cannot fit in the {Remaining} bytes that remain", tensorCountAt);

        var metadata = ReadMetadata((int)kvCount, out long alignmentAt);
        uint alignment = ValidateAlignment(metadata, alignmentAt);
        var tensors = ReadTensorInfos((int)tensorCount, alignment, out long[] offsetFields);

        long dataOffset = AlignUp(_pos, alignment);
        if (tensors.Count > 0 && dataOffset > _length)
            throw new GgufFormatException("The tensor data section starts beyond the end of the file (the file may be truncated)", _pos);
        PlaceTensors(tensors, offsetFields, dataOffset);

        return new GgufHeader((int)version, metadata, tensors, alignment, dataOffset);
    }

    private Dictionary<string, GgufValue> ReadMetadata(int count, out long alignmentAt)
    {
        alignmentAt = -1;
        var metadata = new Dictionary<string, GgufValue>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            long keyAt = _pos;
            string key = ReadString();
            if (key.Length == 0)
                throw new GgufFormatException($"Metadata entry {i} has an empty key", keyAt);
            long typeAt = _pos;
            var type = (GgufValueType)ReadUInt32();
            var value = ReadValue(type, typeAt, depth: 0);
            if (!metadata.TryAdd(key, value))
                throw new GgufFormatException($"Duplicate metadata key '{key}'", keyAt);
            if (key == AlignmentKey)
                alignmentAt = typeAt + 4;
        }
        return metadata;
    }

    private static uint ValidateAlignment(Dictionary<string, GgufValue> metadata, long valueAt)
    {
        if (!metadata.TryGetValue(AlignmentKey, out var value))
            return 32;
        // A uint64 above long.MaxValue is an integer that AsInt64 refuses; it is as wrong as any other bad value.
        long a = value.IsInteger && value.Value is not (ulong and > (ulong)long.MaxValue) ? value.AsInt64() : 0;
        if (a <= 0 || a > MaxAlignment || (a & (a - 1)) != 0)
            throw new GgufFormatException($"{AlignmentKey} must be a power of two up to {MaxAlignment} bytes, not {value} ({value.Type})", valueAt);
        return (uint)a;
    }

    private List<GgufTensorInfo> ReadTensorInfos(int count, uint alignment, out long[] offsetFields)
    {
        var tensors = new List<GgufTensorInfo>(count);
        // Where each tensor's offset field is, so that errors found once all infos are read can point at it.
        offsetFields = new long[count];
        var names = new HashSet<string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            long infoAt = _pos;
            string name = ReadString();
            if (name.Length == 0)
                throw new GgufFormatException($"Tensor {i} has an empty name", infoAt);
            if (!names.Add(name))
                throw new GgufFormatException($"Duplicate tensor name '{name}'", infoAt);
            long dimsAt = _pos;
            uint nDims = ReadUInt32();
            if (nDims is 0 or > MaxDimensions)
                throw new GgufFormatException($"Tensor '{name}' has {nDims} dimensions; 1 to {MaxDimensions} are allowed", dimsAt);
            var shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                long dimAt = _pos;
                ulong dim = ReadUInt64();
                if (dim == 0 || dim > long.MaxValue)
                    throw new GgufFormatException($"Tensor '{name}' dimension {d} is {dim}", dimAt);
                if (elements > long.MaxValue / (long)dim)
                    throw new GgufFormatException($"Tensor '{name}' element count overflows", dimAt);
                shape[d] = (long)dim;
                elements *= (long)dim;
            }
            long typeAt = _pos;
            var type = (GgmlType)ReadUInt32();
            var (blockSize, typeSize) = GgmlTypeInfo.Geometry(type);
            if (blockSize == 0)
                throw new GgufFormatException($"Tensor '{name}' has unknown type id {(uint)type}", typeAt);
            if (shape[0] % blockSize != 0)
                throw new GgufFormatException($"Tensor '{name}' of type {type} has a row of {shape[0]} elements, not a multiple of its block size {blockSize}", dimsAt);
            long offsetAt = _pos;
            ulong offset = ReadUInt64();
            if (offset % alignment != 0)
                throw new GgufFormatException($"Tensor '{name}' data offset {offset} is not a multiple of the alignment {alignment}", offsetAt);
            // Also keeps the offset no larger than the file, so that offset arithmetic below cannot overflow.
            if (offset > (ulong)_length)
                throw new GgufFormatException($"Tensor '{name}' data offset {offset} is beyond the end of the {_length}-byte file (the file may be truncated)", offsetAt);
            long blocks = elements / blockSize;
            if (blocks > long.MaxValue / typeSize)
                throw new GgufFormatException($"Tensor '{name}' byte size overflows", dimsAt);
            tensors.Add(new GgufTensorInfo(name, type, shape, (long)offset, blocks * typeSize));
            offsetFields[i] = offsetAt;
        }
        return tensors;
    }

    /// <summary>Checks that every tensor lies inside the file and that no two overlap; sets each one's file offset.</summary>
    private void PlaceTensors(List<GgufTensorInfo> tensors, long[] offsetFields, long dataOffset)
    {
        long dataBytes = _length - Math.Min(dataOffset, _length);
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            // Compared by subtraction: t.Offset <= _length, but t.ByteSize may be close to long.MaxValue.
            if (t.Offset > dataBytes || t.ByteSize > dataBytes - t.Offset)
            {
                throw new GgufFormatException(
                    $"Tensor '{t.Name}' data ({t.ByteSize} bytes at data offset {t.Offset}) runs past the end of the file: the data section holds {dataBytes} bytes (the file may be truncated)",
                    offsetFields[i]);
            }
            tensors[i] = t with { FileOffset = dataOffset + t.Offset };
        }

        // Sorted by offset, a tensor that overlaps any earlier one overlaps its predecessor (sizes are never 0).
        // Every tensor is inside the file by now, so the ends cannot overflow.
        var order = Enumerable.Range(0, tensors.Count).OrderBy(i => tensors[i].Offset).ToArray();
        for (int k = 1; k < order.Length; k++)
        {
            var prev = tensors[order[k - 1]];
            var t = tensors[order[k]];
            if (t.Offset < prev.Offset + prev.ByteSize)
            {
                throw new GgufFormatException(
                    $"Tensor '{t.Name}' data at {t.Offset} overlaps tensor '{prev.Name}' [{prev.Offset}, {prev.Offset + prev.ByteSize})",
                    offsetFields[order[k]]);
            }
        }
    }

    private long Remaining => _length - _pos;

    private static long AlignUp(long value, uint alignment) => (value + alignment - 1) / alignment * alignment;

    private void Need(long bytes, string what)
    {
        if (bytes < 0 || bytes > Remaining)
            throw new GgufFormatException($"Unexpected end of file reading {what}: {bytes} bytes needed, {Remaining} remain (truncated file?)", _pos);
    }

    private ReadOnlySpan<byte> Take(int bytes, string what)
    {
        Need(bytes, what);
        var span = new ReadOnlySpan<byte>(_base + _pos, bytes);
        _pos += bytes;
        return span;
    }

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "a 32-bit value"));

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "a 64-bit value"));

    private string ReadString()
    {
        long at = _pos;
        ulong len = ReadUInt64();
        if (len > MaxStringBytes)
            throw new GgufFormatException($"String length {len} exceeds the limit of {MaxStringBytes} bytes", at);
        if ((long)len > Remaining)
            throw new GgufFormatException($"String length {len} runs past the end of the file ({Remaining} bytes remain)", at);
        var bytes = Take((int)len, "a string");
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new GgufFormatException("String is not valid UTF-8", at + 8 + FirstInvalidUtf8(bytes));
        }
    }

    /// <summary>Index of the first byte that does not begin a complete, valid UTF-8 sequence.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length && Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) == OperationStatus.Done)
            i += consumed;
        return i;
    }

    private GgufValue ReadValue(GgufValueType type, long typeAt, int depth) => type switch
    {
        GgufValueType.UInt8 => new(type, Take(1, "a uint8")[0]),
        GgufValueType.Int8 => new(type, (sbyte)Take(1, "an int8")[0]),
        GgufValueType.UInt16 => new(type, BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "a uint16"))),
        GgufValueType.Int16 => new(type, BinaryPrimitives.ReadInt16LittleEndian(Take(2, "an int16"))),
        GgufValueType.UInt32 => new(type, ReadUInt32()),
        GgufValueType.Int32 => new(type, (int)ReadUInt32()),
        GgufValueType.Float32 => new(type, BitConverter.Int32BitsToSingle((int)ReadUInt32())),
        GgufValueType.Bool => new(type, ReadBool()),
        GgufValueType.String => new(type, ReadString()),
        GgufValueType.UInt64 => new(type, ReadUInt64()),
        GgufValueType.Int64 => new(type, (long)ReadUInt64()),
        GgufValueType.Float64 => new(type, BitConverter.Int64BitsToDouble((long)ReadUInt64())),
        GgufValueType.Array => ReadArray(depth),
        _ => throw new GgufFormatException($"Unknown metadata value type {(uint)type}", typeAt),
    };

    private bool ReadBool()
    {
        long at = _pos;
        byte b = Take(1, "a bool")[0];
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new GgufFormatException($"Bool value {b} is neither 0 nor 1", at),
        };
    }

    private static int MinSize(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 12,
        _ => 0,
    };

    private GgufValue ReadArray(int depth)
    {
        long at = _pos;
        if (depth >= MaxArrayDepth)
            throw new GgufFormatException($"Arrays nested deeper than {MaxArrayDepth} levels", at);
        var elementType = (GgufValueType)ReadUInt32();
        int min = MinSize(elementType);
        if (min == 0)
            throw new GgufFormatException($"Unknown array element type {(uint)elementType}", at);
        long countAt = _pos;
        ulong count = ReadUInt64();
        if (count > MaxArrayElements)
            throw new GgufFormatException($"Array of {count} {elementType} values exceeds the limit of {MaxArrayElements} elements", countAt);
        if (count > (ulong)(Remaining / min))
            throw new GgufFormatException($"Array of {count} {elementType} values cannot fit in the {Remaining} bytes that remain", countAt);
        int n = (int)count;
        object array = elementType switch
        {
            GgufValueType.UInt8 => Take(n, "a uint8 array").ToArray(),
            GgufValueType.Int8 => ReadFixed<sbyte>(n),
            GgufValueType.UInt16 => ReadFixed<ushort>(n),
            GgufValueType.Int16 => ReadFixed<short>(n),
            GgufValueType.UInt32 => ReadFixed<uint>(n),
            GgufValueType.Int32 => ReadFixed<int>(n),
            GgufValueType.Float32 => ReadFixed<float>(n),
            GgufValueType.UInt64 => ReadFixed<ulong>(n),
            GgufValueType.Int64 => ReadFixed<long>(n),
            GgufValueType.Float64 => ReadFixed<double>(n),
            GgufValueType.Bool => ReadMany(n, ReadBool),
            GgufValueType.String => ReadMany(n, ReadString),
            _ => ReadMany(n, () => ReadArray(depth + 1)),
        };
        return new GgufValue(GgufValueType.Array, array, elementType);
    }

    private T[] ReadFixed<T>(int n) where T : unmanaged
    {
        // Little-endian hosts only (x64, ARM64): the bytes are the values. n <= MaxArrayElements, so no overflow.
        var bytes = Take(n * sizeof(T), "an array");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    private static T[] ReadMany<T>(int n, Func<T> read)
    {
        var result = new T[n];
        for (int i = 0; i < n; i++) result[i] = read();
        return result;
    }
}

internal sealed record GgufHeader(
    int Version,
    Dictionary<string, GgufValue> Metadata,
    List<GgufTensorInfo> Tensors,
    uint Alignment,
    long DataOffset);
