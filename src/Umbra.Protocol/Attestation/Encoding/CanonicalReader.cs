using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Reads the canonical primitives strictly. Every length and count is checked against the bytes that remain
/// before anything is allocated; every failure is an <see cref="AttestationException"/> naming the structure
/// (<c>what</c>), the field and the offset.
/// </summary>
internal ref struct CanonicalReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private int _position;

    public CanonicalReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public ReadOnlySpan<byte> Raw(int length, string field)
    {
        if (Remaining < length)
            Fail(field, $"needs {length} bytes but only {Remaining} remain");
        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    public byte U8(string field) => Raw(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Raw(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Raw(4, field));

    public long I64(string field) => BinaryPrimitives.ReadInt64BigEndian(Raw(8, field));

    /// <summary>A length-prefixed byte string of at most <paramref name="max"/> bytes, as a span into the input.</summary>
    public ReadOnlySpan<byte> BytesSpan(string field, int max)
    {
        var start = _position;
        var length = U32(field);
        if (length > (uint)max)
            FailAt(start, field, $"has length {length}; the limit is {max} bytes");
        if (length > (uint)Remaining)
            FailAt(start, field, $"has length {length} but only {Remaining} bytes remain");
        return Raw((int)length, field);
    }

    public byte[] Bytes(string field, int max) => BytesSpan(field, max).ToArray();

    /// <summary>A length-prefixed byte string of exactly <paramref name="length"/> bytes.</summary>
    public byte[] FixedBytes(string field, int length)
    {
        var start = _position;
        var span = BytesSpan(field, int.MaxValue);
        if (span.Length != length)
            FailAt(start, field, $"is {span.Length} bytes; it must be exactly {length}");
        return span.ToArray();
    }

    /// <summary>A length-prefixed string of strict UTF-8, at most <paramref name="max"/> bytes.</summary>
    public string String(string field, int max = AttestationLimits.MaxStringBytes)
    {
        var start = _position;
        var span = BytesSpan(field, max);
        if (!Utf8.IsValid(span))
            FailAt(start, field, "is not valid UTF-8");
        return Encoding.UTF8.GetString(span);
    }

    /// <summary>
    /// A list count of at most <paramref name="max"/>, and small enough that <paramref name="minItemBytes"/> per item
    /// fits in what remains (so a forged count cannot make the caller allocate).
    /// </summary>
    public int Count(string field, int max, int minItemBytes)
    {
        var start = _position;
        var count = U32(field);
        if (count > (uint)max)
            FailAt(start, field, $"has count {count}; the limit is {max}");
        if ((ulong)count * (ulong)minItemBytes > (ulong)Remaining)
            FailAt(start, field, $"has count {count}, more than the {Remaining} remaining bytes can hold");
        return (int)count;
    }

    public readonly void EnsureEnd()
    {
        if (Remaining != 0)
            throw new AttestationException($"{_what}: {Remaining} trailing bytes at offset {_position} follow the last field.");
    }

    [DoesNotReturn]
    public readonly void Fail(string field, string problem) => FailAt(_position, field, problem);

    [DoesNotReturn]
    public readonly void FailAt(int offset, string field, string problem) =>
        throw new AttestationException($"{_what}: field '{field}' at offset {offset} {problem}.");
}
