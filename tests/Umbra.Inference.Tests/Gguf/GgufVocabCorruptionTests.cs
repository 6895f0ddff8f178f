using System.Buffers.Binary;
using System.Text;
using Xunit.Abstractions;

namespace Umbra.Inference.Tests.Gguf;

/// <summary>
/// Corrupts the gpt-2 vocabulary file (no tensors; 1.7 MiB of metadata, 100k strings in three arrays) in memory.
/// A full parse of it takes milliseconds, so rather than every byte it tries every structural byte (see
/// <see cref="StructuralPositions"/>) plus a seeded sample. Its own class, so that xunit runs it beside the
/// stories260K corruption tests.
/// </summary>
public class GgufVocabCorruptionTests(ITestOutputHelper output)
{
    private const int Seed = 50257;
    private static readonly Lazy<byte[]> Gpt2 = new(() => File.ReadAllBytes(TestData.Vocab("gpt-2")));

    [Fact]
    public void Structural_and_sampled_bytes_flipped()
    {
        var bytes = (byte[])Gpt2.Value.Clone();
        var positions = StructuralPositions(bytes);
        var random = new Random(Seed);
        for (int n = 0; n < 16; n++) positions.Add(random.Next(0, bytes.Length));
        var probe = CorruptionProbe.Run(output, $"gpt-2 vocab, {positions.Count} structural and sampled bytes set to 4 values", p =>
        {
            foreach (int i in positions)
                p.Flip(bytes, i);
        });
        Assert.Equal(Gpt2.Value, bytes);
        Assert.True(probe.Rejected > 0 && probe.Accepted > 0);
    }

    [Fact]
    public void Truncated_at_structural_and_sampled_lengths()
    {
        var bytes = Gpt2.Value;
        var lengths = StructuralPositions(bytes);
        // Every length up to the first big array is cheap to parse.
        int tokensAt = GgufBytes.Key(bytes, "tokenizer.ggml.tokens").Entry;
        for (int length = 0; length < tokensAt + 64; length++) lengths.Add(length);
        var random = new Random(Seed);
        for (int n = 0; n < 64; n++) lengths.Add(random.Next(0, bytes.Length));
        CorruptionProbe.Run(output, $"gpt-2 vocab truncated at {lengths.Count} structural and sampled lengths", p =>
        {
            foreach (int length in lengths)
                Assert.False(p.Check(bytes.AsSpan(0, length), "truncated", length));
        });
    }

    /// <summary>
    /// The fixed header, and in each metadata entry the low, second and top bytes of the key length, the low and top
    /// bytes of the type id, then for an array the element type, the count and the first element's length, for a
    /// scalar its first and last bytes, and the last 4 bytes of the entry. Key and string text is left out: a
    /// changed key is just another key, as the exhaustive stories260K run shows, and each one accepted costs a
    /// full parse.
    /// </summary>
    private static SortedSet<int> StructuralPositions(byte[] bytes)
    {
        var header = GgufBytes.Parse(bytes);
        Assert.Empty(header.Tensors);
        var entries = new List<int>();
        Span<byte> lengthBytes = stackalloc byte[8];
        foreach (var key in header.Metadata.Keys)
        {
            var keyBytes = Encoding.UTF8.GetBytes(key);
            BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)keyBytes.Length);
            int at = bytes.AsSpan().IndexOf([.. lengthBytes, .. keyBytes]);
            Assert.True(at >= 0, key);
            entries.Add(at);
        }
        entries.Sort();
        entries.Add(GgufBytes.HeaderEnd(bytes));

        var positions = new SortedSet<int>(Enumerable.Range(0, 24));
        for (int e = 0; e + 1 < entries.Count; e++)
        {
            int start = entries[e];
            int next = entries[e + 1];
            int typeAt = start + 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(start));
            int valueAt = typeAt + 4;
            positions.UnionWith([start, start + 1, start + 7, typeAt, typeAt + 3]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(typeAt)) == 9)
                positions.UnionWith([valueAt, valueAt + 3, valueAt + 4, valueAt + 5, valueAt + 6, valueAt + 11, valueAt + 12, valueAt + 19]);
            else
                positions.UnionWith([valueAt, next - 1]);
            positions.UnionWith(Enumerable.Range(next - 4, 4));
        }
        return positions;
    }
}
