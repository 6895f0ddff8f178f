using Umbra.Inference.Generation;
using Umbra.Inference.Gguf;
using Umbra.Inference.Model;
using Umbra.Inference.Templates;
using Umbra.Inference.Tests.Model;

namespace Umbra.Inference.Tests.Generation;

public class PromptBuilderTests
{
    private const string RefusesSystem =
        "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
        "<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<model>{% endif %}";

    [Fact]
    public void A_system_message_is_folded_into_the_first_user_turn_when_the_template_refuses_it()
    {
        using var tmp = new TempFile();
        GgufRewrite.Copy(TestData.Stories260K, tmp.Path, new Dictionary<string, GgufValue?> { ["tokenizer.chat_template"] = new(GgufValueType.String, RefusesSystem) });
        using var model = LlamaModel.Load(tmp.Path);
        var ids = PromptBuilder.ForChat(model, [new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi")]);
        Assert.Equal(model.Tokenizer.BosId, ids[0]);
        Assert.Equal("<user>Be brief.\n\nHi<model>", model.Tokenizer.Decode(ids.AsSpan(1), new Umbra.Inference.Tokenization.DecodeOptions { StripLeadingSpace = true }));
    }

    [Fact]
    public void Folding_keeps_other_turns_in_order()
    {
        var folded = PromptBuilder.FoldSystemIntoFirstUser([new("system", "S"), new("user", "U1"), new("assistant", "A"), new("user", "U2")]);
        Assert.Equal([new("user", "S\n\nU1"), new("assistant", "A"), new("user", "U2")], folded);
    }

    [Fact]
    public void A_template_error_that_is_not_about_the_system_role_still_surfaces()
    {
        using var tmp = new TempFile();
        GgufRewrite.Copy(TestData.Stories260K, tmp.Path, new Dictionary<string, GgufValue?> { ["tokenizer.chat_template"] = new(GgufValueType.String, RefusesSystem) });
        using var model = LlamaModel.Load(tmp.Path);
        var big = new string('x', 5 * 1024 * 1024);
        Assert.Throws<TemplateException>(() => PromptBuilder.ForChat(model, [new ChatMessage("user", big)]));
    }
}
