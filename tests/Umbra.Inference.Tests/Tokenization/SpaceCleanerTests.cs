using System.Text;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Tests.Tokenization;

public class SpaceCleanerTests
{
    [Theory]
    [InlineData("Hello , world !", "Hello, world!")]
    [InlineData(" .", ".")]
    [InlineData("a ' b", "a'b")]
    [InlineData("a ' ' ' b", "a'''b")]
    [InlineData("it 's he 're we 've I 'm", "it's he're we've I'm")]
    [InlineData("don 't I 'd we 'll", "don 't I 'd we 'll")]
    [InlineData("end '", "end '")]
    [InlineData("end 'r", "end 'r")]
    [InlineData("ends with space ", "ends with space ")]
    public void Matches_known_clean_ups(string input, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(ReferenceCleanUp.Apply(Encoding.UTF8.GetBytes(input))));
        Assert.Equal(expected, Encoding.UTF8.GetString(Clean(Encoding.UTF8.GetBytes(input), chunk: 1)));
    }

    [Fact]
    public void Streaming_equals_llama_cpp_batch_passes_for_any_chunking()
    {
        var random = new Random(1234);
        byte[] alphabet = "  ''smrvetdl?!.,x"u8.ToArray();
        for (int round = 0; round < 5000; round++)
        {
            var input = new byte[random.Next(0, 24)];
            for (int i = 0; i < input.Length; i++)
                input[i] = alphabet[random.Next(alphabet.Length)];
            var expected = ReferenceCleanUp.Apply(input);
            int chunk = random.Next(1, 6);
            Assert.True(expected.AsSpan().SequenceEqual(Clean(input, chunk)),
                $"'{Encoding.ASCII.GetString(input)}' in chunks of {chunk}");
        }
    }

    private static byte[] Clean(byte[] input, int chunk)
    {
        var cleaner = new SpaceCleaner();
        var output = new List<byte>();
        for (int i = 0; i < input.Length; i += chunk)
            output.AddRange(cleaner.Process(input.AsSpan(i, Math.Min(chunk, input.Length - i)), flush: false).ToArray());
        output.AddRange(cleaner.Process([], flush: true).ToArray());
        return output.ToArray();
    }
}
