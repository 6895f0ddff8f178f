using System.Buffers.Binary;
using System.Text;
using Umbra.Inference.Gguf;

namespace Umbra.Inference.Tests.Gguf;

/// <summary>
/// Helpers to build GGUF files in memory, find fields in them and patch bytes, so that each hostile-input
/// test states exactly which field it breaks and where the reader must say the problem is.
/// </summary>
internal static class GgufBytes
{
    public static byte[] Write(GgufWriter writer)
    {
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.ToArray();
    }

    public static GgufHeader Parse(ReadOnlySpan<byte> bytes) => GgufReader.ReadHeader(bytes);

    /// <summary>Where the header (metadata and tensor infos, with the padding after them) ends: the data offset, or the file's end.</summary>
    public static int HeaderEnd(byte[] bytes) => (int)Math.Min(Parse(bytes).DataOffset, bytes.Length);

    /// <summary>Parses, expects a <see cref="GgufFormatException"/> whose message contains <paramref name="problem"/> and whose offset is <paramref name="offset"/>.</summary>
    public static GgufFormatException AssertRejected(ReadOnlySpan<byte> bytes, string problem, long offset)
    {
        GgufFormatException? caught = null;
        try
        {
            GgufReader.ReadHeader(bytes);
        }
        catch (GgufFormatException e)
        {
            caught = e;
        }
        Assert.True(caught != null, $"The file was accepted; expected a GgufFormatException about '{problem}'.");
        Assert.Contains(problem, caught.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(offset, caught.Offset);
        Assert.Contains($"byte offset {offset}", caught.Message, StringComparison.Ordinal);
        return caught;
    }

    /// <summary>Offset of the first occurrence of <paramref name="text"/> as UTF-8; fails when absent.</summary>
    public static int IndexOf(ReadOnlySpan<byte> bytes, string text)
    {
        int at = bytes.IndexOf(Encoding.UTF8.GetBytes(text));
        Assert.True(at >= 0, $"'{text}' not found in the file");
        return at;
    }

    /// <summary>Where a metadata entry starts (its key length), where its type id is and where its value starts.</summary>
    public static (int Entry, int Type, int Value) Key(ReadOnlySpan<byte> bytes, string key)
    {
        int keyAt = IndexOf(bytes, key);
        int typeAt = keyAt + Encoding.UTF8.GetByteCount(key);
        return (keyAt - 8, typeAt, typeAt + 4);
    }

    /// <summary>The fields of a tensor info, located by the tensor's (unique) name.</summary>
    public static TensorFields Tensor(ReadOnlySpan<byte> bytes, string name)
    {
        int nameAt = IndexOf(bytes, name);
        int dimsAt = nameAt + Encoding.UTF8.GetByteCount(name);
        int nDims = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[dimsAt..]);
        int typeAt = dimsAt + 4 + (8 * nDims);
        return new TensorFields(nameAt - 8, dimsAt, dimsAt + 4, typeAt, typeAt + 4);
    }

    public static void PutUInt32(byte[] bytes, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);

    public static void PutUInt64(byte[] bytes, int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), value);

    public static ulong GetUInt64(byte[] bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
}
