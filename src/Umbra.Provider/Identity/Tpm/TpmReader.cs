using System.Buffers.Binary;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// Unmarshals a TPM response big-endian. Every read checks the remaining length first; running short, or a
/// value out of range, throws a <see cref="TpmException"/> naming the command and the offset, never an
/// index or overflow exception.
/// </summary>
internal ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _command;

    public TpmReader(ReadOnlySpan<byte> data, string command)
    {
        _data = data;
        _command = command;
    }

    public int Offset { get; private set; }

    public readonly int Remaining => _data.Length - Offset;

    public byte ReadU8(string field) => Take(1, field)[0];

    public ushort ReadU16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint ReadU32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public ulong ReadU64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    public ReadOnlySpan<byte> ReadBytes(int count, string field) => Take(count, field);

    /// <summary>A TPM2B: u16 size then that many bytes; <paramref name="maxSize"/> bounds the size.</summary>
    public ReadOnlySpan<byte> ReadSized(string field, int maxSize = ushort.MaxValue)
    {
        int start = Offset;
        ushort size = ReadU16(field);
        if (size > maxSize)
            throw Fail($"{field} at offset {start} claims {size} bytes, more than the {maxSize} it may hold");
        return Take(size, field);
    }

    /// <summary>The bytes from <paramref name="start"/> to the current offset: a structure just read, as marshaled.</summary>
    public readonly ReadOnlySpan<byte> Since(int start) => _data[start..Offset];

    public readonly void ExpectEnd(string what)
    {
        if (Remaining != 0)
            throw Fail($"{Remaining} unexpected bytes after {what} at offset {Offset}");
    }

    public readonly TpmException Fail(string problem) => TpmException.Malformed(_command, problem);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Fail($"it ends inside {field} at offset {Offset} ({count} bytes needed, {Remaining} left)");
        var span = _data.Slice(Offset, count);
        Offset += count;
        return span;
    }
}
