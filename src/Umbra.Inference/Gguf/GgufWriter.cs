using System.Buffers.Binary;
using System.Text;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Gguf;

/// <summary>
/// Writes GGUF v3 files. Metadata and tensor infos are collected first; tensor data is streamed in
/// order by callbacks at <see cref="WriteTo(Stream)"/>, so multi-gigabyte models never sit in memory.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<(string Key, GgufValue Value)> _metadata = [];
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public GgufWriter(uint alignment = 32)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentException("Alignment must be a power of two.", nameof(alignment));
        Alignment = alignment;
        if (alignment != 32)
            Add("general.alignment", new GgufValue(GgufValueType.UInt32, alignment));
    }

    public uint Alignment { get; }

    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_keys.Add(key))
            throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        _metadata.Add((key, value));
        return this;
    }

    public GgufWriter Add(string key, string value) => Add(key, new GgufValue(GgufValueType.String, value));

    public GgufWriter Add(string key, uint value) => Add(key, new GgufValue(GgufValueType.UInt32, value));

    public GgufWriter Add(string key, int value) => Add(key, new GgufValue(GgufValueType.Int32, value));

    public GgufWriter Add(string key, float value) => Add(key, new GgufValue(GgufValueType.Float32, value));

    public GgufWriter Add(string key, bool value) => Add(key, new GgufValue(GgufValueType.Bool, value));

    public GgufWriter Add(string key, string[] values) => Add(key, new GgufValue(GgufValueType.Array, values, GgufValueType.String));

    public GgufWriter Add(string key, float[] values) => Add(key, new GgufValue(GgufValueType.Array, values, GgufValueType.Float32));

    public GgufWriter Add(string key, int[] values) => Add(key, new GgufValue(GgufValueType.Array, values, GgufValueType.Int32));

    /// <summary>Adds a tensor whose bytes (already in <paramref name="type"/>'s layout) are given.</summary>
    public GgufWriter AddTensor(string name, GgmlType type, long[] shape, ReadOnlyMemory<byte> data) =>
        AddTensor(name, type, shape, s => s.Write(data.Span), data.Length);

    /// <summary>Adds a tensor whose bytes are written by <paramref name="writeData"/> when the file is written.</summary>
    public GgufWriter AddTensor(string name, GgmlType type, long[] shape, Action<Stream> writeData) =>
        AddTensor(name, type, shape, writeData, null);

    private GgufWriter AddTensor(string name, GgmlType type, long[] shape, Action<Stream> writeData, long? given)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (shape.Length is 0 or > GgufReader.MaxDimensions || shape.Any(d => d <= 0))
            throw new ArgumentException($"Tensor '{name}' has an invalid shape [{string.Join(", ", shape)}].", nameof(shape));
        if (_tensors.Any(t => t.Name == name))
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        long elements = shape.Aggregate(1L, (a, b) => checked(a * b));
        long size = GgmlTypeInfo.RowSize(type, shape[0]) * (elements / shape[0]);
        if (given is long g && g != size)
            throw new ArgumentException($"Tensor '{name}' needs {size} bytes of {type} data, {g} given.", nameof(writeData));
        _tensors.Add(new PendingTensor(name, type, (long[])shape.Clone(), size, writeData));
        return this;
    }

    public void WriteTo(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    public void WriteTo(Stream stream)
    {
        var header = new MemoryStream();
        WriteUInt32(header, GgufReader.Magic);
        WriteUInt32(header, 3);
        WriteUInt64(header, (ulong)_tensors.Count);
        WriteUInt64(header, (ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(header, key);
            WriteUInt32(header, (uint)value.Type);
            WriteValue(header, value);
        }
        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(header, t.Name);
            WriteUInt32(header, (uint)t.Shape.Length);
            foreach (var d in t.Shape) WriteUInt64(header, (ulong)d);
            WriteUInt32(header, (uint)t.Type);
            WriteUInt64(header, (ulong)offset);
            offset = Align(offset + t.Size);
        }
        Pad(header, header.Length);
        header.Position = 0;
        header.CopyTo(stream);

        foreach (var t in _tensors)
        {
            var counter = new CountingStream(stream);
            t.WriteData(counter);
            if (counter.Written != t.Size)
                throw new InvalidOperationException($"Tensor '{t.Name}' wrote {counter.Written} bytes, {t.Size} expected.");
            Pad(stream, t.Size);
        }
        stream.Flush();
    }

    private long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private void Pad(Stream s, long written)
    {
        long pad = Align(written) - written;
        for (long i = 0; i < pad; i++) s.WriteByte(0);
    }

    private static void WriteUInt32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteUInt64(Stream s, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteString(Stream s, string v)
    {
        var bytes = Encoding.UTF8.GetBytes(v);
        WriteUInt64(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void WriteValue(Stream s, GgufValue v)
    {
        switch (v.Value)
        {
            case byte x: s.WriteByte(x); break;
            case sbyte x: s.WriteByte((byte)x); break;
            case ushort x: WriteUInt32Bytes(s, x, 2); break;
            case short x: WriteUInt32Bytes(s, (ushort)x, 2); break;
            case uint x: WriteUInt32(s, x); break;
            case int x: WriteUInt32(s, (uint)x); break;
            case float x: WriteUInt32(s, (uint)BitConverter.SingleToInt32Bits(x)); break;
            case bool x: s.WriteByte(x ? (byte)1 : (byte)0); break;
            case string x: WriteString(s, x); break;
            case ulong x: WriteUInt64(s, x); break;
            case long x: WriteUInt64(s, (ulong)x); break;
            case double x: WriteUInt64(s, (ulong)BitConverter.DoubleToInt64Bits(x)); break;
            case Array a:
                WriteUInt32(s, (uint)v.ElementType);
                WriteUInt64(s, (ulong)a.Length);
                foreach (var item in a)
                    WriteValue(s, item as GgufValue ?? new GgufValue(v.ElementType, item!));
                break;
            default:
                throw new ArgumentException($"Cannot write a metadata value of CLR type {v.Value.GetType().Name}.");
        }
    }

    private static void WriteUInt32Bytes(Stream s, uint v, int bytes)
    {
        for (int i = 0; i < bytes; i++) s.WriteByte((byte)(v >> (8 * i)));
    }

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Shape, long Size, Action<Stream> WriteData);

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
        public override void WriteByte(byte value)
        {
            inner.WriteByte(value);
            Written++;
        }
    }
}
