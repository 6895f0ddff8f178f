using System.Buffers.Binary;
using System.Text;

namespace Umbra.Protocol.Tests.Attestation;

/// <summary>
/// A test-side big-endian writer, independent of the production encoder, for building bodies that break the
/// rules (unsorted lists, forged counts) and TPM structures.
/// </summary>
internal sealed class RawWriter
{
    private readonly MemoryStream _stream = new();

    public RawWriter Raw(params byte[] bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public RawWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public RawWriter U8(byte v) => Raw(v);

    public RawWriter U16(int v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v);
        return Raw(b);
    }

    public RawWriter U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return Raw(b);
    }

    public RawWriter U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return Raw(b);
    }

    public RawWriter I64(long v) => U64((ulong)v);

    public RawWriter Bytes(ReadOnlySpan<byte> bytes) => U32((uint)bytes.Length).Raw(bytes);

    public RawWriter Str(string s) => Bytes(Encoding.UTF8.GetBytes(s));

    /// <summary>TPM2B: u16 size and the bytes.</summary>
    public RawWriter B2(ReadOnlySpan<byte> bytes) => U16(bytes.Length).Raw(bytes);

    public byte[] ToArray() => _stream.ToArray();
}
