using Umbra.Inference.Gguf;
using Umbra.Inference.Templates;
using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>Built-in formats for models without a template, and guessing which one a model needs.</summary>
public class BuiltInTemplateTests
{
    [Theory]
    [InlineData("llama3", "<|begin_of_text|>", "<|eot_id|>",
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData("chatml", "", "<|im_end|>",
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n" +
        "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData("mistral", "<s>", "</s>",
        "<s>[INST] You are a helpful assistant.\n\nHello! [/INST] Hi there. How can I help?</s>[INST] What is 2+2? [/INST]")]
    [InlineData("gemma", "<bos>", "<eos>",
        "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n" +
        "<start_of_turn>model\nHi there. How can I help?<end_of_turn>\n" +
        "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n")]
    [InlineData("phi3", "<s>", "<|endoftext|>",
        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n" +
        "<|assistant|>\nHi there. How can I help?<|end|>\n<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n")]
    [InlineData("llama2", "<s>", "</s>",
        "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there. How can I help? </s><s>[INST] What is 2+2? [/INST]")]
    [InlineData("plain", "", "",
        "System: You are a helpful assistant.\n\nUser: Hello!\n\nAssistant: Hi there. How can I help?\n\nUser: What is 2+2?\n\nAssistant:")]
    public void Each_family_renders(string family, string bos, string eos, string expected)
    {
        var template = ChatTemplate.BuiltIn(family);
        Assert.Equal(expected, template.Render(Conversation, true, bos, eos));
        template.Validate(bos, eos);
    }

    [Fact]
    public void Built_ins_match_the_published_templates_they_stand_in_for()
    {
        Assert.Equal(
            ChatTemplate.Parse(PublishedTemplates.Llama3).Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>"),
            ChatTemplate.BuiltIn("llama3").Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>"));
        Assert.Equal(
            ChatTemplate.Parse(PublishedTemplates.Qwen25).Render(Conversation, true, "", "<|im_end|>"),
            ChatTemplate.BuiltIn("qwen2").Render(Conversation, true, "", "<|im_end|>"));
        Assert.Equal(
            ChatTemplate.Parse(PublishedTemplates.Gemma2).Render(WithoutSystem, true, "<bos>", "<eos>"),
            ChatTemplate.BuiltIn("gemma").Render(WithoutSystem, true, "<bos>", "<eos>"));
        Assert.Equal(
            ChatTemplate.Parse(PublishedTemplates.Phi35Mini).Render(Conversation, false, "<s>", "<|endoftext|>"),
            ChatTemplate.BuiltIn("phi3").Render(Conversation, false, "<s>", "<|endoftext|>"));
    }

    [Fact]
    public void Every_listed_family_is_available() =>
        Assert.All(ChatTemplate.BuiltInFamilies, family => Assert.NotEmpty(ChatTemplate.BuiltIn(family).Source));

    [Fact]
    public void An_unknown_family_is_an_error()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.BuiltIn("vicuna"));
        Assert.Equal("Unknown chat template family 'vicuna'; the built-in families are llama3, chatml, mistral, gemma, phi3, llama2, plain", e.Message);
    }

    [Theory]
    [InlineData("llama", "llama3", "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>")]
    [InlineData("qwen2", "chatml", "<|endoftext|>", "<|im_start|>", "<|im_end|>")]
    [InlineData("llama", "chatml", "<|im_start|>")]
    [InlineData("gemma2", "gemma", "<bos>", "<start_of_turn>", "<end_of_turn>")]
    [InlineData("phi3", "phi3", "<s>", "<|user|>", "<|assistant|>", "<|end|>")]
    [InlineData("llama", "mistral", "<s>", "</s>", "[INST]", "[/INST]")]
    [InlineData("qwen2", "chatml", "<|endoftext|>")]
    [InlineData("gemma", "gemma")]
    [InlineData("llama", "llama2", "<s>", "</s>")]
    [InlineData("gpt2", null, "<|endoftext|>")]
    [InlineData("bert", null)]
    public void Family_is_guessed_from_control_tokens_then_architecture(string architecture, string? expected, params string[] vocab) =>
        Assert.Equal(expected, ChatTemplate.FamilyFor(architecture, vocab));

    [Theory]
    [InlineData("phi-3", "phi3")]
    [InlineData("llama-spm", "llama2")]
    [InlineData("gpt-2", null)]
    [InlineData("deepseek-coder", null)]
    public void Family_of_real_vocabularies(string vocab, string? expected)
    {
        using var file = GgufFile.Open(TestData.Vocab(vocab));
        Assert.Equal(expected, ChatTemplate.FamilyFor(file.Architecture, file.GetArray<string>("tokenizer.ggml.tokens")!));
    }

    [Fact]
    public void The_template_inside_a_real_gguf_parses_validates_and_renders()
    {
        using var file = GgufFile.Open(TestData.Vocab("phi-3"));
        var source = file.GetString("tokenizer.chat_template")!;
        Assert.Equal(PublishedTemplates.Phi3Mini, source);
        var template = ChatTemplate.Parse(source);
        template.Validate("<s>", "<|endoftext|>");
        Assert.Equal("<s><|user|>\nHello!<|end|>\n<|assistant|>\n", template.Render([new("user", User1)], true, "<s>", "<|endoftext|>"));
    }
}
