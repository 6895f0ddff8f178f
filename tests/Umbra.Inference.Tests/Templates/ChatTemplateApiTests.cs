using System.Text.Json;
using Umbra.Inference.Templates;
using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>The public surface: variables from .NET values, input validation, reuse across threads.</summary>
public class ChatTemplateApiTests
{
    [Fact]
    public void Variables_accept_dotnet_values_and_json()
    {
        var template = ChatTemplate.Parse("{{ n + 1 }}|{{ f }}|{{ flag }}|{{ items | join(',') }}|{{ map.k }}|{{ json.a[1] }}|{{ json | tojson }}|{{ nothing is none }}");
        var output = template.Render([], false, "", "", new Dictionary<string, object?>
        {
            ["n"] = 41,
            ["f"] = 0.5f,
            ["flag"] = true,
            ["items"] = new[] { "x", "y" },
            ["map"] = new Dictionary<string, object?> { ["k"] = "v" },
            ["json"] = JsonDocument.Parse("""{"a": [1, 2.5], "b": null}""").RootElement,
            ["nothing"] = null,
        });
        Assert.Equal("42|0.5|True|x,y|v|2.5|{\"a\": [1, 2.5], \"b\": null}|True", output);
    }

    [Fact]
    public void Caller_variables_override_the_defaults()
    {
        var template = ChatTemplate.Parse("{{ bos_token }}|{{ tools }}|{{ add_generation_prompt }}");
        Assert.Equal("<s>|None|True", template.Render([], true, "<s>", ""));
        Assert.Equal("<s>|['t']|True", template.Render([], true, "<s>", "", new Dictionary<string, object?> { ["tools"] = new[] { "t" } }));
    }

    [Fact]
    public void Misuse_is_an_argument_error()
    {
        var template = ChatTemplate.Parse("x");
        Assert.Throws<ArgumentNullException>(() => ChatTemplate.Parse(null!));
        Assert.Throws<ArgumentException>(() => template.Render([new("user", null!)], false, "", ""));
        Assert.Throws<ArgumentException>(() => template.Render([], false, "", "", new Dictionary<string, object?> { ["x"] = new object() }));
        Assert.Throws<ArgumentNullException>(() => template.Render([], false, null!, ""));
    }

    [Fact]
    public void Source_is_kept_as_given()
    {
        const string source = "{{ 'a' }}\r\n";
        Assert.Equal(source, ChatTemplate.Parse(source).Source);
    }

    [Fact]
    public void One_template_renders_on_many_threads_at_once()
    {
        var template = ChatTemplate.Parse(PublishedTemplates.Llama31);
        var expected = template.Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>");
        var outputs = new string[64];
        Parallel.For(0, outputs.Length, i => outputs[i] = template.Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>"));
        Assert.All(outputs, output => Assert.Equal(expected, output));
    }
}
