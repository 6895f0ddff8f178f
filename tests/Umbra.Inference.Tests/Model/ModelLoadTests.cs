using Umbra.Inference.Gguf;
using Umbra.Inference.Model;
using Umbra.Inference.Templates;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Model;

/// <summary>Well-formed files the engine cannot run are refused at load with a message naming what is wrong.</summary>
public class ModelLoadTests
{
    private static T LoadFails<T>(IReadOnlyDictionary<string, GgufValue?>? metadata = null, Func<GgufTensorInfo, bool>? keep = null, Func<GgufTensorInfo, GgmlType?>? retype = null)
        where T : Exception
    {
        using var tmp = new TempFile();
        GgufRewrite.Copy(TestData.Stories260K, tmp.Path, metadata, keep, retype);
        return Assert.Throws<T>(() => LlamaModel.Load(tmp.Path));
    }

    [Fact]
    public void An_unsupported_architecture_is_named()
    {
        var e = Assert.Throws<ModelLoadException>(() => LlamaModel.Load(TestData.Vocab("phi-3")));
        Assert.Contains("'phi3' is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var e = LoadFails<ModelLoadException>(keep: t => t.Name != "blk.3.ffn_up.weight");
        Assert.Contains("blk.3.ffn_up.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_weight_type_is_named()
    {
        var e = LoadFails<ModelLoadException>(retype: t => t.Name == "blk.0.attn_q.weight" ? GgmlType.Q5_0 : null);
        Assert.Contains("Q5_0", e.Message, StringComparison.Ordinal);
        Assert.Contains("blk.0.attn_q.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_named()
    {
        var e = LoadFails<ModelLoadException>(metadata: new Dictionary<string, GgufValue?> { ["llama.feed_forward_length"] = new(GgufValueType.UInt32, 160u) });
        Assert.Contains("ffn_gate.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected [64, 160]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_hyperparameters_are_named()
    {
        var e = LoadFails<ModelLoadException>(metadata: new Dictionary<string, GgufValue?> { ["llama.block_count"] = null });
        Assert.Contains("llama.block_count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Heads_that_do_not_group_evenly_are_refused()
    {
        var e = LoadFails<ModelLoadException>(metadata: new Dictionary<string, GgufValue?> { ["llama.attention.head_count_kv"] = new(GgufValueType.UInt32, 3u) });
        Assert.Contains("head_count_kv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chat_template_that_cannot_parse_is_found_at_load()
    {
        var e = LoadFails<TemplateException>(metadata: new Dictionary<string, GgufValue?> { ["tokenizer.chat_template"] = new(GgufValueType.String, "{% for m in messages %}{{ m.content }") });
        Assert.Contains("chat template", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_chat_template_that_cannot_render_is_found_at_load()
    {
        const string template = "{% for m in messages %}{{ raise_exception('this template is broken') }}{% endfor %}";
        var e = LoadFails<TemplateException>(metadata: new Dictionary<string, GgufValue?> { ["tokenizer.chat_template"] = new(GgufValueType.String, template) });
        Assert.Contains("this template is broken", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_whose_own_template_renders_uses_it()
    {
        const string template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
        using var tmp = new TempFile();
        GgufRewrite.Copy(TestData.Stories260K, tmp.Path, new Dictionary<string, GgufValue?> { ["tokenizer.chat_template"] = new(GgufValueType.String, template) });
        using var model = LlamaModel.Load(tmp.Path);
        Assert.True(model.HasOwnChatTemplate);
        Assert.Equal("<user>hi<assistant>", model.ChatTemplate.Render([new ChatMessage("user", "hi")], true, "<s>", "</s>"));
    }
}
