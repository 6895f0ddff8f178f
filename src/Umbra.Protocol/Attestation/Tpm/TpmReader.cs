using System.Buffers.Binary;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// A bounded big-endian reader for TPM marshaled structures. Each TryRead returns false at the end of input
/// instead of throwing; the parsers turn that into a message naming the field.
/// </summary>
internal ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public TpmReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position == _data.Length;

    public bool TryRead(int length, out ReadOnlySpan<byte> value)
    {
        if (length < 0 || Remaining < length)
        {
            value = default;
            return false;
        }
        value = _data.Slice(_position, length);
        _position += length;
        return true;
    }

    public bool TryReadU8(out byte value)
    {
        value = 0;
        if (!TryRead(1, out var span))
            return false;
        value = span[0];
        return true;
    }

    public bool TryReadU16(out ushort value)
    {
        value = 0;
        if (!TryRead(2, out var span))
            return false;
        value = BinaryPrimitives.ReadUInt16BigEndian(span);
        return true;
    }

    public bool TryReadU32(out uint value)
    {
        value = 0;
        if (!TryRead(4, out var span))
            return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(span);
        return true;
    }

    public bool TryReadU64(out ulong value)
    {
        value = 0;
        if (!TryRead(8, out var span))
            return false;
        value = BinaryPrimitives.ReadUInt64BigEndian(span);
        return true;
    }

    /// <summary>A TPM2B: u16 size and that many bytes, the size at most <paramref name="max"/>.</summary>
    public bool TryReadSized(int max, out byte[] value)
    {
        value = [];
        var start = _position;
        if (!TryReadU16(out var size) || size > max || !TryRead(size, out var span))
        {
            _position = start;
            return false;
        }
        value = span.ToArray();
        return true;
    }
}
