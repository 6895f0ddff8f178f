using System.Text;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Tests.Tokenization;

public class SpecialTokenTests
{
    [Fact]
    public void Llama_spm_adds_bos_only()
    {
        var tokenizer = VocabCases.Tokenizer("llama-spm");
        Assert.Equal([1, 15043, 3186], tokenizer.Encode("Hello world"));
        Assert.Equal([15043, 3186], tokenizer.Encode("Hello world", addSpecial: false));
        Assert.Equal([1], tokenizer.Encode(""));
        Assert.Empty(tokenizer.Encode("", addSpecial: false));
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
        Assert.True(tokenizer.AddBos);
        Assert.False(tokenizer.AddEos);
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal("llama", tokenizer.Model);
        Assert.Equal([2], tokenizer.EndOfGenerationIds.Order());
    }

    [Fact]
    public void Gpt2_adds_nothing()
    {
        var tokenizer = VocabCases.Tokenizer("gpt-2");
        Assert.Equal([15496, 995], tokenizer.Encode("Hello world"));
        Assert.False(tokenizer.AddBos);
        Assert.False(tokenizer.AddEos);
        Assert.Equal(50256, tokenizer.BosId);
        Assert.Equal(50256, tokenizer.EosId);
        Assert.Equal([50256], tokenizer.EndOfGenerationIds.Order());
    }

    [Fact]
    public void Deepseek_coder_adds_its_bos()
    {
        var tokenizer = VocabCases.Tokenizer("deepseek-coder");
        Assert.Equal([32013, 17535, 1835], tokenizer.Encode("Hello world"));
        Assert.Contains(32014, tokenizer.EndOfGenerationIds);
    }

    [Fact]
    public void Phi3_chat_markers_are_parsed_only_when_asked()
    {
        var tokenizer = VocabCases.Tokenizer("phi-3");
        const string prompt = "<|user|>\nHello<|end|>\n<|assistant|>\n";
        // Phi-3's markers strip the whitespace after them (llama.cpp's RSTRIP for "phi3" models), and
        // the text after a special token gets SentencePiece's space prefix again.
        Assert.Equal([1, 32010, 15043, 32007, 32001], tokenizer.Encode(prompt, addSpecial: true, parseSpecial: true));

        int[] plain = tokenizer.Encode(prompt, addSpecial: false, parseSpecial: false);
        Assert.DoesNotContain(32010, plain);
        Assert.DoesNotContain(32007, plain);
        Assert.DoesNotContain(32001, plain);
        Assert.Equal(prompt, tokenizer.Decode(plain));
    }

    [Fact]
    public void Phi3_end_of_generation_markers_are_control_tokens()
    {
        var tokenizer = VocabCases.Tokenizer("phi-3");
        Assert.Equal([2, 32000, 32007], tokenizer.EndOfGenerationIds.Order());
        Assert.True(tokenizer.IsEndOfGeneration(32007));
        Assert.Equal(32007, tokenizer.FindToken("<|end|>"));
        Assert.Equal("<|end|>", tokenizer.TokenText(32007));
        Assert.True(tokenizer.GetAttributes(32007).HasFlag(TokenAttributes.Control));
        // </s> is stored as user-defined, but llama.cpp turns end-of-generation tokens into control
        // tokens, so it is no longer split out of plain text.
        Assert.True(tokenizer.GetAttributes(2).HasFlag(TokenAttributes.Control));
        Assert.DoesNotContain(2, tokenizer.Encode("a</s>b", addSpecial: false));
        Assert.Equal([2], tokenizer.Encode("</s>", addSpecial: false, parseSpecial: true));
    }

    [Fact]
    public void User_defined_tokens_are_split_out_even_without_parse_special()
    {
        var tokenizer = VocabCases.Tokenizer("deepseek-coder");
        Assert.Equal([32019], tokenizer.Encode("<|User|>", addSpecial: false));
        // A fill-in-the-middle marker is user-defined in the file but detected as FIM_PRE, which makes it control.
        Assert.DoesNotContain(32016, tokenizer.Encode("<｜fim▁begin｜>", addSpecial: false));
        Assert.Equal([32016], tokenizer.Encode("<｜fim▁begin｜>", addSpecial: false, parseSpecial: true));
    }

    [Fact]
    public void Control_tokens_decode_to_their_text_unless_hidden()
    {
        var tokenizer = VocabCases.Tokenizer("phi-3");
        int[] ids = [32010, 15043, 32007];
        Assert.Equal("<|user|> Hello<|end|>", tokenizer.Decode(ids));
        Assert.Equal(" Hello", tokenizer.Decode(ids, new DecodeOptions { RenderSpecial = false }));
    }

    [Fact]
    public void Token_bytes_undo_each_vocabulary_encoding()
    {
        var spm = VocabCases.Tokenizer("llama-spm");
        Assert.Equal("<0x0A>", spm.TokenText(13));
        Assert.Equal([(byte)'\n'], spm.TokenBytes(13));
        Assert.Equal("▁Hello", spm.TokenText(15043));
        Assert.Equal(" Hello"u8.ToArray(), spm.TokenBytes(15043));
        Assert.Equal("<s>"u8.ToArray(), spm.TokenBytes(1));

        var gpt2 = VocabCases.Tokenizer("gpt-2");
        Assert.Equal("Ġworld", gpt2.TokenText(995));
        Assert.Equal(" world"u8.ToArray(), gpt2.TokenBytes(995));
        Assert.Equal("Ċ", gpt2.TokenText(198));
        Assert.Equal([(byte)'\n'], gpt2.TokenBytes(198));
        Assert.Equal(Encoding.UTF8.GetBytes("<|endoftext|>"), gpt2.TokenBytes(50256));
    }

    [Fact]
    public void Lookups_validate_ids()
    {
        var tokenizer = VocabCases.Tokenizer("gpt-2");
        Assert.Null(tokenizer.FindToken("no such token"));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.TokenText(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.TokenBytes(50257));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 2, 99999]));
    }
}
