using System.Text;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Tests.Tokenization;

public class PreTokenizerTests
{
    // Letters, digits and spaces of several scripts, contraction pieces, punctuation, a combining mark,
    // no-break and ideographic spaces, an emoji, a private-use and an unassigned code point.
    private static readonly string[] Alphabet =
    [
        "a", "Z", "é", "ж", "我", "1", "٣", "Ⅻ", " ", " ", "  ", "\t", "\n", "\r", "\u00A0", "\u3000", "\u2028",
        "'", "s", "S", "t", "r", "e", "l", "L", "d", ".", "!", "€", "-", "\u0301", "😀", "\uE000", "\u0378", "\0",
    ];

    [Fact]
    public void Gpt2_matcher_agrees_with_the_regex_it_implements()
    {
        var custom = SplitRule.For(SplitRule.Gpt2Pattern);
        var regex = new RegexSplitRule(SplitRule.Gpt2Pattern + @"|\s+");
        Assert.IsType<Gpt2SplitRule>(custom);
        AssertSameSplits(custom, regex, seed: 1);
    }

    [Fact]
    public void Llama3_matcher_agrees_with_the_regex_it_implements()
    {
        var custom = SplitRule.For(SplitRule.Llama3Pattern);
        var regex = new RegexSplitRule(SplitRule.Llama3Pattern);
        Assert.IsType<Llama3SplitRule>(custom);
        AssertSameSplits(custom, regex, seed: 2);
    }

    [Theory]
    [InlineData("Hello world", new[] { "Hello", "Ġworld" })]
    [InlineData("I'm   here!!\n\n", new[] { "I", "'m", "ĠĠ", "Ġhere", "!!", "ĊĊ" })]
    [InlineData("x 12345", new[] { "x", "Ġ12345" })]
    public void Gpt2_splits_into_byte_level_words(string text, string[] words) =>
        Assert.Equal(words, Split("gpt-2", text));

    [Theory]
    [InlineData("I'M here 12345\r\n\n  x", new[] { "I", "'M", "Ġhere", "Ġ", "123", "45", "čĊĊ", "Ġ", "Ġx" })]
    [InlineData("...\n\nword", new[] { "...ĊĊ", "word" })]
    public void Llama3_splits_into_byte_level_words(string text, string[] words) =>
        Assert.Equal(words, Split("llama3", text));

    [Fact]
    public void Qwen2_splits_digits_one_by_one()
    {
        Assert.Equal(["abc", "1", "2", "3", "Ġ", "4"], Split("qwen2", "abc123 4"));
    }

    [Fact]
    public void Regex_rules_do_not_look_past_their_segment()
    {
        // Within the first segment the two spaces are followed by nothing, so \s+(?!\S) takes both.
        var rule = new RegexSplitRule(@"\s+(?!\S)|\s+");
        var output = new List<int>();
        rule.Split(new SplitInput("  a"), [2, 1], output);
        Assert.Equal([2, 1], output);
    }

    private static List<string> Split(string pre, string text)
    {
        var words = new List<string>();
        new PreTokenizer(PreTokenizerCatalog.Find(pre)!).Split(text, words);
        return words;
    }

    private static void AssertSameSplits(SplitRule custom, SplitRule regex, int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 4000; round++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 16);
            for (int i = 0; i < length; i++)
                text.Append(Alphabet[random.Next(Alphabet.Length)]);
            var input = new SplitInput(text.ToString());
            var expected = new List<int>();
            var actual = new List<int>();
            regex.Split(input, [input.Length], expected);
            custom.Split(input, [input.Length], actual);
            Assert.True(expected.SequenceEqual(actual),
                $"'{Escape(text.ToString())}': regex [{string.Join(",", expected)}], matcher [{string.Join(",", actual)}]");
        }
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
