using System.Buffers.Binary;
using Xunit.Abstractions;

namespace Umbra.Inference.Tests.Gguf;

/// <summary>
/// Corrupts the real stories260K model in memory, byte by byte and by truncation, and requires every outcome to be
/// a clean parse or a <see cref="Umbra.Inference.Gguf.GgufFormatException"/> (see <see cref="CorruptionProbe"/>).
/// Every byte and every length of its 14 KiB header is tried; data-region bytes and lengths are sampled with a
/// fixed seed, since the reader never reads tensor data.
/// </summary>
public class GgufCorruptionTests(ITestOutputHelper output)
{
    private const int Seed = 260;
    private static readonly Lazy<byte[]> Stories = new(() => File.ReadAllBytes(TestData.Stories260K));

    [Fact]
    public void Every_header_byte_flipped()
    {
        var bytes = (byte[])Stories.Value.Clone();
        int headerEnd = GgufBytes.HeaderEnd(bytes);
        var probe = CorruptionProbe.Run(output, $"stories260K, each of the {headerEnd} header bytes set to 4 values", p =>
        {
            for (int i = 0; i < headerEnd; i++)
                p.Flip(bytes, i);
        });
        Assert.Equal(Stories.Value, bytes);
        Assert.True(probe.Rejected > 0 && probe.Accepted > 0);
    }

    [Fact]
    public void Sampled_data_bytes_flipped_do_not_matter()
    {
        var bytes = (byte[])Stories.Value.Clone();
        int headerEnd = GgufBytes.HeaderEnd(bytes);
        var random = new Random(Seed);
        var probe = CorruptionProbe.Run(output, "stories260K, 256 sampled data bytes set to 4 values", p =>
        {
            for (int n = 0; n < 256; n++)
                p.Flip(bytes, random.Next(headerEnd, bytes.Length));
        });
        Assert.Equal(0, probe.Rejected);
    }

    [Fact]
    public void Truncated_at_every_header_length_and_sampled_data_lengths()
    {
        var bytes = Stories.Value;
        int headerEnd = GgufBytes.HeaderEnd(bytes);
        long dataEnd = GgufBytes.Parse(bytes).Tensors.Max(t => t.FileOffset + t.ByteSize);
        var random = new Random(Seed);
        int[] dataLengths = [headerEnd, (int)dataEnd - 1, (int)dataEnd, bytes.Length, .. Enumerable.Range(0, 256).Select(_ => random.Next(headerEnd, bytes.Length))];
        CorruptionProbe.Run(output, $"stories260K truncated at each of {headerEnd} header lengths and {dataLengths.Length} data lengths", p =>
        {
            for (int length = 0; length < headerEnd; length++)
                Assert.False(p.Check(bytes.AsSpan(0, length), "truncated", length));
            // Only a cut that keeps all tensor data (losing at most the trailing padding) may be accepted.
            foreach (int length in dataLengths)
                Assert.Equal(length >= dataEnd, p.Check(bytes.AsSpan(0, length), "truncated", length));
        });
    }

    [Fact]
    public void Random_whole_numbers_written_over_the_header()
    {
        // A single flipped byte rarely makes a count, length or offset both large and plausible; whole 64-bit
        // values at arbitrary (also unaligned) positions do.
        var bytes = (byte[])Stories.Value.Clone();
        int headerEnd = GgufBytes.HeaderEnd(bytes);
        ulong[] numbers = [0, 1, 31, 32, 0x7F, 0xFFFF, int.MaxValue, uint.MaxValue, 1UL << 32, 1UL << 40, long.MaxValue, 1UL << 63, ulong.MaxValue];
        var random = new Random(Seed);
        var saved = new byte[8];
        CorruptionProbe.Run(output, "stories260K, 3000 seeded 8-byte overwrites of the header", p =>
        {
            for (int n = 0; n < 3000; n++)
            {
                int at = random.Next(0, headerEnd - 8);
                ulong value = random.Next(3) == 0 ? (ulong)random.NextInt64() : numbers[random.Next(numbers.Length)];
                bytes.AsSpan(at, 8).CopyTo(saved);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), value);
                p.Check(bytes, "8-byte overwrite", at, (int)(value & 0xFF));
                saved.CopyTo(bytes, at);
            }
        });
        Assert.Equal(Stories.Value, bytes);
    }
}
