using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The 16 random bytes that name one sealed request. Not secret: the coordinator sees it, providers keep it to
/// refuse replays, and it is bound into the request header and every response chunk.
/// </summary>
public readonly struct RequestId : IEquatable<RequestId>
{
    /// <summary>The length of a request id in bytes.</summary>
    public const int Size = 16;

    // Held as a value rather than an array so the id can key dictionaries and compare by value without copies.
    private readonly UInt128 _value;

    private RequestId(UInt128 value)
    {
        _value = value;
    }

    /// <summary>Whether every byte is zero, which is what an uninitialized <c>default(RequestId)</c> holds.</summary>
    public bool IsZero => _value == UInt128.Zero;

    /// <summary>A fresh id from the platform's cryptographic generator.</summary>
    public static RequestId New()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return FromBytes(bytes);
    }

    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 16 bytes long.</exception>
    public static RequestId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"A request id is {Size} bytes; got {bytes.Length}.", nameof(bytes));
        return new RequestId(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    public static bool operator ==(RequestId left, RequestId right) => left.Equals(right);

    public static bool operator !=(RequestId left, RequestId right) => !left.Equals(right);

    /// <summary>Writes the 16 bytes in their wire order.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, _value);

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public bool Equals(RequestId other) => _value == other._value;

    public override bool Equals(object? obj) => obj is RequestId other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>The id as it appears in JSON: base64url without padding (22 characters).</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
