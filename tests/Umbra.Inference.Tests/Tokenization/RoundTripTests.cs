using System.Text;

namespace Umbra.Inference.Tests.Tokenization;

/// <summary>
/// Decode(Encode(s)) gives back s, as llama.cpp's detokenizer does, with one documented exception:
/// vocabularies whose pre-tokenizer enables llama.cpp's clean_spaces (gpt-2 here, not deepseek-coder)
/// remove spaces before ? ! . , and in " 's"-style contractions when decoding, so those strings come
/// back cleaned. In the test files that is " ?" in case 32 and case 45 of gpt-2.
/// </summary>
public class RoundTripTests
{
    public static TheoryData<int, string> LlamaSpm => VocabCases.Theory("llama-spm");

    public static TheoryData<int, string> Phi3 => VocabCases.Theory("phi-3");

    public static TheoryData<int, string> Gpt2 => VocabCases.Theory("gpt-2");

    public static TheoryData<int, string> DeepSeekCoder => VocabCases.Theory("deepseek-coder");

    [Theory]
    [MemberData(nameof(LlamaSpm))]
    public void Llama_spm_round_trips(int index, string text) => AssertRoundTrip("llama-spm", index, text, cleansSpaces: false);

    [Theory]
    [MemberData(nameof(Phi3))]
    public void Phi3_round_trips(int index, string text) => AssertRoundTrip("phi-3", index, text, cleansSpaces: false);

    [Theory]
    [MemberData(nameof(Gpt2))]
    public void Gpt2_round_trips_up_to_llama_cpp_space_clean_up(int index, string text) => AssertRoundTrip("gpt-2", index, text, cleansSpaces: true);

    [Theory]
    [MemberData(nameof(DeepSeekCoder))]
    public void Deepseek_coder_round_trips(int index, string text) => AssertRoundTrip("deepseek-coder", index, text, cleansSpaces: false);

    [Fact]
    public void Gpt2_clean_up_changes_only_the_strings_with_a_space_before_a_question_mark()
    {
        var changed = VocabCases.Load("gpt-2")
            .Select((c, i) => (i, c.Text))
            .Where(c => Encoding.UTF8.GetString(ReferenceCleanUp.Apply(Encoding.UTF8.GetBytes(c.Text))) != c.Text)
            .Select(c => c.i);
        Assert.Equal([32, 45], changed);
    }

    [Fact]
    public void Spm_with_bos_decodes_the_bos_text_unless_special_tokens_are_removed()
    {
        var tokenizer = VocabCases.Tokenizer("llama-spm");
        int[] ids = tokenizer.Encode("Hello world");
        Assert.Equal("<s> Hello world", tokenizer.Decode(ids));
        // llama.cpp stops stripping the leading space once it has removed a BOS (remove_space = false).
        Assert.Equal(" Hello world", tokenizer.Decode(ids, new() { RemoveSpecial = true }));
        Assert.Equal(" Hello world", tokenizer.Decode(ids, new() { RenderSpecial = false }));
    }

    [Fact]
    public void A_continuation_keeps_its_leading_space_when_asked()
    {
        var tokenizer = VocabCases.Tokenizer("llama-spm");
        int[] ids = tokenizer.Encode("Hello world", addSpecial: false);
        Assert.Equal("Hello world", tokenizer.Decode(ids));
        Assert.Equal(" Hello world", tokenizer.Decode(ids, new() { StripLeadingSpace = false }));
    }

    private static void AssertRoundTrip(string vocab, int index, string text, bool cleansSpaces)
    {
        Assert.Equal(VocabCases.Load(vocab)[index].Text, text);
        var tokenizer = VocabCases.Tokenizer(vocab);
        string expected = cleansSpaces ? Encoding.UTF8.GetString(ReferenceCleanUp.Apply(Encoding.UTF8.GetBytes(text))) : text;
        Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text, addSpecial: false)));
    }
}
