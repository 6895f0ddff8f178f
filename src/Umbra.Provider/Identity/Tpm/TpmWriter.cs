using System.Buffers.Binary;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>Marshals TPM structures big-endian into a growing buffer (commands are small: a few hundred bytes).</summary>
internal sealed class TpmWriter
{
    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void WriteU8(byte value) => Take(1)[0] = value;

    public void WriteU16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteU32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    /// <summary>A TPM2B: u16 size then the bytes.</summary>
    public void WriteSized(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
            throw new ArgumentException("A TPM2B holds at most 65535 bytes.", nameof(value));
        WriteU16((ushort)value.Length);
        WriteBytes(value);
    }

    /// <summary>Reserves a u16 size field; <see cref="EndSized"/> fills it with the bytes written since.</summary>
    public int BeginSized()
    {
        Take(2);
        return Length;
    }

    public void EndSized(int start) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(start - 2), checked((ushort)(Length - start)));

    public void PatchU32(int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset), value);

    private Span<byte> Take(int count)
    {
        if (Length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
