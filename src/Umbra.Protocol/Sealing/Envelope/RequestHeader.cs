using System.Buffers.Binary;
using System.Text;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The canonical request header H (docs/PROTOCOL.md, "Binding"): every routing field and the recipient list,
/// in one unambiguous byte string that both ends rebuild from the envelope and bind into the HPKE info and
/// the AEAD associated data. It is never parsed back, so it only has to be injective, which the length
/// prefixes and fixed-size fields make it.
/// </summary>
internal static class RequestHeader
{
    /// <summary>"umbra/1 request" followed by a zero byte.</summary>
    public static ReadOnlySpan<byte> Label => "umbra/1 request\0"u8;

    /// <summary>Builds H from metadata already checked by <see cref="MetadataRules"/> and well-formed key ids.</summary>
    public static byte[] Build(RequestMetadata metadata, IReadOnlyList<string> keyIds)
    {
        var endpoint = Encoding.UTF8.GetBytes(metadata.Endpoint);
        var model = Encoding.UTF8.GetBytes(metadata.Model);
        var suite = Encoding.UTF8.GetBytes(SealingSuites.GetName(metadata.Suite));
        var length = Label.Length + RequestId.Size
            + 2 + endpoint.Length + 2 + model.Length
            + 4 + 1 + 2 + suite.Length
            + 2 + keyIds.Count * KeyIdText.ByteLength;
        var header = new byte[length];
        var rest = header.AsSpan();
        Label.CopyTo(rest);
        rest = rest[Label.Length..];
        metadata.RequestId.WriteTo(rest);
        rest = rest[RequestId.Size..];
        rest = WriteString(rest, endpoint);
        rest = WriteString(rest, model);
        // 0 stands for "absent", which is why a present max_tokens must be at least 1.
        BinaryPrimitives.WriteUInt32BigEndian(rest, (uint)(metadata.MaxTokens ?? 0));
        rest[4] = metadata.Stream ? (byte)1 : (byte)0;
        rest = WriteString(rest[5..], suite);
        BinaryPrimitives.WriteUInt16BigEndian(rest, checked((ushort)keyIds.Count));
        rest = rest[2..];
        foreach (var keyId in keyIds)
        {
            KeyIdText.Decode(keyId, rest);
            rest = rest[KeyIdText.ByteLength..];
        }
        return header;
    }

    /// <summary>The HPKE info for one recipient: H || key_id (16 bytes).</summary>
    public static byte[] RecipientInfo(ReadOnlySpan<byte> header, string keyId)
    {
        var info = new byte[header.Length + KeyIdText.ByteLength];
        header.CopyTo(info);
        KeyIdText.Decode(keyId, info.AsSpan(header.Length));
        return info;
    }

    private static Span<byte> WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)value.Length));
        value.CopyTo(destination[2..]);
        return destination[(2 + value.Length)..];
    }
}
