using Umbra.Inference.Templates;

namespace Umbra.Inference.Tests.Templates;

/// <summary>Validate finds, at model load, a template that cannot render a conversation.</summary>
public class ValidateTests
{
    [Theory]
    [InlineData(nameof(PublishedTemplates.Llama3))]
    [InlineData(nameof(PublishedTemplates.Llama31))]
    [InlineData(nameof(PublishedTemplates.Llama32))]
    [InlineData(nameof(PublishedTemplates.Qwen25))]
    [InlineData(nameof(PublishedTemplates.MistralV01))]
    [InlineData(nameof(PublishedTemplates.MistralV02))]
    [InlineData(nameof(PublishedTemplates.MistralV03))]
    [InlineData(nameof(PublishedTemplates.MistralNemo))]
    [InlineData(nameof(PublishedTemplates.Gemma2))]
    [InlineData(nameof(PublishedTemplates.Phi35Mini))]
    [InlineData(nameof(PublishedTemplates.Phi3Mini))]
    [InlineData(nameof(PublishedTemplates.DeepSeekCoder))]
    public void Published_templates_are_valid(string name)
    {
        var source = (string)typeof(PublishedTemplates).GetField(name)!.GetValue(null)!;
        ChatTemplate.Parse(source).Validate("<s>", "</s>");
    }

    [Fact]
    public void A_template_that_always_raises_is_invalid()
    {
        var template = ChatTemplate.Parse("{{ raise_exception('This template is only a placeholder') }}");
        var e = Assert.Throws<TemplateException>(() => template.Validate("<s>", "</s>"));
        Assert.StartsWith("The chat template cannot render a basic conversation: This template is only a placeholder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_with_a_runtime_error_is_invalid()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}{{ m.content + 1 }}{% endfor %}");
        var e = Assert.Throws<TemplateException>(() => template.Validate("<s>", "</s>"));
        Assert.Contains("Unsupported operand types for +: 'str' and 'int'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_drops_the_conversation_is_invalid()
    {
        var template = ChatTemplate.Parse("{{ bos_token }}{% for m in messages %}{{ m.role }}{% endfor %}");
        var e = Assert.Throws<TemplateException>(() => template.Validate("<s>", "</s>"));
        Assert.Contains("does not contain the user's message", e.Message, StringComparison.Ordinal);
    }
}
