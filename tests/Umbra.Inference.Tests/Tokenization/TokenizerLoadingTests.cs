using Umbra.Inference.Gguf;
using Umbra.Inference.Tokenization;

namespace Umbra.Inference.Tests.Tokenization;

/// <summary>Building tokenizers from real and deliberately broken GGUF metadata.</summary>
public class TokenizerLoadingTests
{
    [Fact]
    public void Loads_the_tokenizer_of_a_real_model()
    {
        using var file = GgufFile.Open(TestData.Stories260K);
        var tokenizer = Tokenizer.FromGguf(file);
        Assert.Equal(512, tokenizer.VocabSize);
        int[] ids = tokenizer.Encode("Once upon a time");
        Assert.Equal(tokenizer.BosId, ids[0]);
        Assert.Equal("Once upon a time", tokenizer.Decode(ids.AsSpan(1)));
        // As in llama.cpp, only the first token loses its space, and with a BOS that is the BOS.
        Assert.Equal(" Once upon a time", tokenizer.Decode(ids, new DecodeOptions { RenderSpecial = false }));
    }

    [Fact]
    public void An_unsupported_model_is_named()
    {
        var e = Assert.Throws<TokenizerException>(() => Load(w => w.Add("tokenizer.ggml.model", "bert")));
        Assert.Contains("'bert'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_pre_tokenizer_is_named()
    {
        var e = Assert.Throws<TokenizerException>(() => Load(w => w
            .Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.pre", "no-such-pre")
            .Add("tokenizer.ggml.tokens", ["a", "b", "ab"])
            .Add("tokenizer.ggml.merges", ["a b"])));
        Assert.Contains("'no-such-pre'", e.Message, StringComparison.Ordinal);
        Assert.Contains("llama3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_metadata_is_reported()
    {
        Assert.Contains("tokenizer.ggml.model", Assert.Throws<TokenizerException>(() => Load(_ => { })).Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.tokens", Assert.Throws<TokenizerException>(() => Load(w => w.Add("tokenizer.ggml.model", "llama"))).Message, StringComparison.Ordinal);
        Assert.Contains("merges", Assert.Throws<TokenizerException>(() => Load(w => w
            .Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.tokens", ["a"]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_a_bos_that_does_not_exist_is_an_error()
    {
        var e = Assert.Throws<TokenizerException>(() => Load(w => w
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", ["<unk>"])
            .Add("tokenizer.ggml.bos_token_id", 0xFFFFFFFFu)));
        Assert.Contains("bos_token_id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_outside_the_vocabulary_means_none()
    {
        var tokenizer = Load(w => w
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", ["<unk>", "<s>", "</s>", "▁a"])
            .Add("tokenizer.ggml.eos_token_id", 0xFFFFFFFFu));
        Assert.Null(tokenizer.EosId);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal([1, 3], tokenizer.Encode("a"));
    }

    [Fact]
    public void A_duplicated_token_is_reported()
    {
        var e = Assert.Throws<TokenizerException>(() => Load(w => w
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", ["<unk>", "x", "x"])));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_supported_pre_tokenizer_builds_and_round_trips()
    {
        // No space before punctuation, so the clean-up some pre-tokenizers enable changes nothing.
        const string text = "Hello, World! It's 2024... 我想 ÿ\r\n  tabs\tand   spaces 𝒳 ";
        foreach (string pre in PreTokenizerCatalog.Names)
        {
            var tokenizer = Load(w => w
                .Add("tokenizer.ggml.model", "gpt2")
                .Add("tokenizer.ggml.pre", pre)
                .Add("tokenizer.ggml.tokens", [.. Enumerable.Range(0, 256).Select(b => ByteLevel.Encode((byte)b).ToString()), "Ġt"])
                .Add("tokenizer.ggml.merges", ["Ġ t"]));
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecial: false)));
        }
    }

    private static Tokenizer Load(Action<GgufWriter> configure)
    {
        var path = Path.GetTempFileName();
        try
        {
            var writer = new GgufWriter().Add("general.architecture", "llama");
            configure(writer);
            writer.WriteTo(path);
            using var file = GgufFile.Open(path);
            return Tokenizer.FromGguf(file);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
