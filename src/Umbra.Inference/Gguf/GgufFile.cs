using System.IO.MemoryMappedFiles;
using System.Numerics;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Gguf;

/// <summary>
/// A GGUF file opened read-only and memory-mapped. Metadata and tensor infos are parsed and validated
/// at open; tensor data stays in the mapping and is never copied whole into the managed heap.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MemoryMappedFile? _mmf;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _byName;
    private bool _disposed;

    private GgufFile(string path, MemoryMappedFile? mmf, MemoryMappedViewAccessor? view, byte* basePtr, long length, GgufHeader header)
    {
        Path = path;
        _mmf = mmf;
        _view = view;
        _base = basePtr;
        FileSize = length;
        Version = header.Version;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        Alignment = header.Alignment;
        DataOffset = header.DataOffset;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    public long FileSize { get; }

    public int Version { get; }

    public uint Alignment { get; }

    /// <summary>Offset of the tensor data section from the start of the file.</summary>
    public long DataOffset { get; }

    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Opens and validates a GGUF file. Throws <see cref="GgufFormatException"/> for a malformed file.</summary>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Without this a directory reads as "not found", which sends the user looking for a missing file.
        if (Directory.Exists(path))
            throw new FileNotFoundException($"Model path is a directory, not a GGUF file: {path}", path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Also a symbolic link whose target is gone.
            throw new FileNotFoundException($"Model file not found: {path}", path, e);
        }
        // The open file's length: FileInfo.Length of a symbolic link (a Hugging Face cache's snapshots are links to
        // its blobs) is the link's own few bytes, not the model's.
        long length;
        MemoryMappedFile mmf;
        try
        {
            length = stream.Length;
            if (length == 0)
                throw new GgufFormatException("The file is empty", 0);
            mmf = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = mmf.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            ptr += view.PointerOffset;
            try
            {
                var header = new GgufReader(ptr, length).ReadHeader();
                return new GgufFile(path, mmf, view, ptr, length, header);
            }
            catch
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                throw;
            }
        }
        catch
        {
            view?.Dispose();
            mmf.Dispose();
            throw;
        }
    }

    public GgufTensorInfo GetTensor(string name) =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"Tensor '{name}' not found in {System.IO.Path.GetFileName(Path)}");

    public bool TryGetTensor(string name, out GgufTensorInfo tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>Pointer to a tensor's data inside the mapping; valid until this file is disposed.</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _base + tensor.FileOffset;
    }

    /// <summary>A tensor's bytes as a span over the mapping (tensors under 2 GiB).</summary>
    public ReadOnlySpan<byte> GetTensorData(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"Tensor '{tensor.Name}' is larger than 2 GiB; use GetTensorPointer.");
        return new ReadOnlySpan<byte>(GetTensorPointer(tensor), (int)tensor.ByteSize);
    }

    public bool TryGetValue(string key, out GgufValue value) => Metadata.TryGetValue(key, out value!);

    public string? GetString(string key) =>
        Metadata.TryGetValue(key, out var v) ? v.Value as string ?? throw TypeError(key, v, "a string") : null;

    public long? GetInteger(string key)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        if (!v.IsInteger) throw TypeError(key, v, "an integer");
        if (v.Value is ulong u && u > long.MaxValue)
            throw new GgufFormatException($"Metadata '{key}' value {u} does not fit in a signed 64-bit integer");
        return v.AsInt64();
    }

    public double? GetNumber(string key) =>
        Metadata.TryGetValue(key, out var v) ? v.IsInteger || v.Type is GgufValueType.Float32 or GgufValueType.Float64 ? v.AsDouble() : throw TypeError(key, v, "a number") : null;

    public bool? GetBool(string key) =>
        Metadata.TryGetValue(key, out var v) ? v.Value as bool? ?? throw TypeError(key, v, "a bool") : null;

    /// <summary>An array value as <typeparamref name="T"/>[], or null when absent; throws when it has another element type.</summary>
    /// <remarks>
    /// The CLR lets a uint[] pass for an int[] (and long[]/ulong[], byte[]/sbyte[]...), so the exact array type
    /// is compared: otherwise a file's uint32 4294967295 would come back as the int -1.
    /// </remarks>
    public T[]? GetArray<T>(string key) =>
        Metadata.TryGetValue(key, out var v) ? v.Value is T[] a && a.GetType() == typeof(T[]) ? a : throw TypeError(key, v, $"an array of {typeof(T).Name}") : null;

    /// <summary>An integer array of any element width as int[] (token types, merges ranks...).</summary>
    public int[]? GetInt32Array(string key)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        if (!v.IsArray) throw TypeError(key, v, "an integer array");
        // Dispatch on the element type, not on the CLR array type, for the reason given at GetArray.
        return v.ElementType switch
        {
            GgufValueType.Int32 => (int[])v.Value,
            GgufValueType.UInt32 => Narrow(key, (uint[])v.Value),
            GgufValueType.UInt8 => Narrow(key, (byte[])v.Value),
            GgufValueType.Int8 => Narrow(key, (sbyte[])v.Value),
            GgufValueType.Int16 => Narrow(key, (short[])v.Value),
            GgufValueType.UInt16 => Narrow(key, (ushort[])v.Value),
            GgufValueType.Int64 => Narrow(key, (long[])v.Value),
            GgufValueType.UInt64 => Narrow(key, (ulong[])v.Value),
            _ => throw TypeError(key, v, "an integer array"),
        };
    }

    /// <summary>Converts to int, refusing (as a format error: the file holds the value) any element out of range.</summary>
    private static int[] Narrow<T>(string key, T[] values) where T : IBinaryInteger<T>
    {
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int n = int.CreateSaturating(values[i]);
            if (T.CreateTruncating(n) != values[i])
                throw new GgufFormatException($"Metadata '{key}' element {i} is {values[i]}, outside the 32-bit integer range");
            result[i] = n;
        }
        return result;
    }

    /// <summary>The architecture name from general.architecture.</summary>
    public string Architecture => GetString("general.architecture") ?? throw new GgufFormatException("The file has no general.architecture");

    private static GgufFormatException TypeError(string key, GgufValue v, string expected) =>
        new($"Metadata '{key}' is {(v.IsArray ? $"an array of {v.ElementType}" : v.Type.ToString())}, expected {expected}");

    /// <summary>Bytes of tensor data by type, for summaries.</summary>
    public IReadOnlyDictionary<GgmlType, long> BytesByType() =>
        Tensors.GroupBy(t => t.Type).ToDictionary(g => g.Key, g => g.Sum(t => t.ByteSize));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view?.SafeMemoryMappedViewHandle.ReleasePointer();
        _view?.Dispose();
        _mmf?.Dispose();
    }
}
