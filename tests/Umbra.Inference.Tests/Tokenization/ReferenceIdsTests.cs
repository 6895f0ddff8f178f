namespace Umbra.Inference.Tests.Tokenization;

/// <summary>Every string of llama.cpp's tokenizer tests must give exactly llama.cpp's ids.</summary>
public class ReferenceIdsTests
{
    public static TheoryData<int, string> LlamaSpm => VocabCases.Theory("llama-spm");

    public static TheoryData<int, string> Phi3 => VocabCases.Theory("phi-3");

    public static TheoryData<int, string> Gpt2 => VocabCases.Theory("gpt-2");

    public static TheoryData<int, string> DeepSeekCoder => VocabCases.Theory("deepseek-coder");

    [Theory]
    [MemberData(nameof(LlamaSpm))]
    public void Llama_spm_matches_llama_cpp(int index, string text) => AssertIds("llama-spm", index, text);

    [Theory]
    [MemberData(nameof(Phi3))]
    public void Phi3_matches_llama_cpp(int index, string text) => AssertIds("phi-3", index, text);

    [Theory]
    [MemberData(nameof(Gpt2))]
    public void Gpt2_matches_llama_cpp(int index, string text) => AssertIds("gpt-2", index, text);

    [Theory]
    [MemberData(nameof(DeepSeekCoder))]
    public void Deepseek_coder_matches_llama_cpp(int index, string text) => AssertIds("deepseek-coder", index, text);

    [Theory]
    [InlineData("llama-spm")]
    [InlineData("phi-3")]
    [InlineData("gpt-2")]
    [InlineData("deepseek-coder")]
    public void Every_test_file_has_all_its_cases(string vocab) => Assert.Equal(46, VocabCases.Load(vocab).Count);

    [Theory]
    [InlineData("gpt-2")]
    [InlineData("llama-spm")]
    public void Encoding_from_many_threads_gives_the_same_ids(string vocab)
    {
        // The BPE word cache is shared; concurrent use must not change any result.
        var cases = VocabCases.Load(vocab);
        var tokenizer = VocabCases.Tokenizer(vocab);
        Parallel.For(0, cases.Count * 8, i =>
        {
            var (text, ids) = cases[i % cases.Count];
            Assert.Equal(ids, tokenizer.Encode(text, addSpecial: false));
        });
    }

    private static void AssertIds(string vocab, int index, string text)
    {
        var expected = VocabCases.Load(vocab)[index];
        Assert.Equal(expected.Text, text);
        var ids = VocabCases.Tokenizer(vocab).Encode(text, addSpecial: false, parseSpecial: false);
        Assert.Equal(expected.Ids, ids);
    }
}
