using System.Buffers.Binary;
using System.Text;

namespace Umbra.Inference.Tests.Gguf;

/// <summary>Writes GGUF bytes by hand, for structures the writer refuses to produce (deep nesting, bad UTF-8...).</summary>
internal sealed class RawGguf
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public static RawGguf Header(ulong tensorCount, ulong metadataCount) =>
        new RawGguf().U32(0x46554747).U32(3).U64(tensorCount).U64(metadataCount);

    public RawGguf U8(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public RawGguf U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return Bytes(b);
    }

    public RawGguf U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return Bytes(b);
    }

    public RawGguf Str(string value) => Str(Encoding.UTF8.GetBytes(value));

    /// <summary>A length-prefixed string of raw bytes, which need not be valid UTF-8.</summary>
    public RawGguf Str(ReadOnlySpan<byte> value) => U64((ulong)value.Length).Bytes(value);

    public RawGguf Bytes(ReadOnlySpan<byte> value)
    {
        foreach (var b in value) _bytes.Add(b);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];
}
