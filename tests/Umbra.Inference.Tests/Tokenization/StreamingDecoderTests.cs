using System.Text;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Tests.Tokenization;

public class StreamingDecoderTests
{
    [Theory]
    [InlineData("llama-spm")]
    [InlineData("phi-3")]
    [InlineData("gpt-2")]
    [InlineData("deepseek-coder")]
    public void Streamed_text_equals_decoded_text_and_holds_only_whole_characters(string vocab)
    {
        var tokenizer = VocabCases.Tokenizer(vocab);
        foreach (var (text, _) in VocabCases.Load(vocab))
        {
            int[] ids = tokenizer.Encode(text, addSpecial: true);
            var decoder = tokenizer.CreateStreamingDecoder();
            var streamed = new StringBuilder();
            foreach (int id in ids)
            {
                string chunk = decoder.Append(id);
                Assert.DoesNotContain('\uFFFD', chunk);
                if (chunk.Length > 0)
                    Assert.False(char.IsHighSurrogate(chunk[^1]), $"A chunk of '{text}' ends inside a surrogate pair.");
                streamed.Append(chunk);
            }
            streamed.Append(decoder.Flush());
            Assert.Equal(tokenizer.Decode(ids), streamed.ToString());
        }
    }

    [Fact]
    public void An_emoji_made_of_byte_fallback_tokens_comes_out_whole()
    {
        var tokenizer = VocabCases.Tokenizer("llama-spm");
        // llama.cpp's ids for " this is 🦙.cpp": the llama is the four byte tokens 243 162 169 156.
        int[] ids = [29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223];
        var decoder = tokenizer.CreateStreamingDecoder();
        var chunks = ids.Select(decoder.Append).ToList();
        // Only the first token loses its leading space (it is the one the dummy prefix added).
        Assert.Equal(["", " this", " is", " ", "", "", "", "🦙", ".", "cpp"], chunks);
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void Cjk_split_across_byte_level_tokens_comes_out_whole()
    {
        var tokenizer = VocabCases.Tokenizer("gpt-2");
        int[] ids = tokenizer.Encode("我想在apple工作", addSpecial: false);
        Assert.True(ids.Length > 6, "GPT-2 has few CJK tokens, so these characters must span several tokens.");
        var decoder = tokenizer.CreateStreamingDecoder();
        var chunks = ids.Select(decoder.Append).Where(c => c.Length > 0).ToList();
        Assert.All(chunks, c => Assert.DoesNotContain('\uFFFD', c));
        Assert.Equal("我想在apple工作", string.Concat(chunks) + decoder.Flush());
    }

    [Fact]
    public void Flush_turns_an_unfinished_character_into_a_replacement_character()
    {
        var tokenizer = VocabCases.Tokenizer("llama-spm");
        int[] ids = tokenizer.Encode("🦙", addSpecial: false);
        var decoder = tokenizer.CreateStreamingDecoder();
        // The first three bytes of the llama and nothing else.
        foreach (int id in ids[..^1])
            Assert.Equal("", decoder.Append(id));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("a", decoder.Append(tokenizer.FindToken("a")!.Value));
    }

    [Fact]
    public void Spaces_held_back_for_the_clean_up_are_released_by_later_text_or_flush()
    {
        var tokenizer = VocabCases.Tokenizer("gpt-2");
        var decoder = tokenizer.CreateStreamingDecoder();
        Assert.Equal("Hello", decoder.Append(tokenizer.FindToken("Hello")!.Value));
        Assert.Equal("", decoder.Append(tokenizer.FindToken("Ġ")!.Value));
        Assert.Equal("?", decoder.Append(tokenizer.FindToken("?")!.Value));
        Assert.Equal("", decoder.Append(tokenizer.FindToken("Ġ")!.Value));
        Assert.Equal(" ", decoder.Flush());
    }

    [Fact]
    public void Rejects_ids_outside_the_vocabulary()
    {
        var decoder = VocabCases.Tokenizer("gpt-2").CreateStreamingDecoder();
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Append(50257));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Append(-1));
    }

    [Fact]
    public void Hidden_special_tokens_produce_nothing()
    {
        var tokenizer = VocabCases.Tokenizer("phi-3");
        var decoder = tokenizer.CreateStreamingDecoder(new DecodeOptions { RenderSpecial = false, StripLeadingSpace = false });
        Assert.Equal("", decoder.Append(32007));
        Assert.Equal(" Hello", decoder.Append(15043));
    }
}
