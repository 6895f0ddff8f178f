using Umbra.Inference.Templates;

namespace Umbra.Inference.Tests.Templates;

/// <summary>Shared conversation, clock and render helper for the template tests.</summary>
internal static class TemplateTestKit
{
    public const string SystemPrompt = "You are a helpful assistant.";
    public const string User1 = "Hello!";
    public const string Assistant1 = "Hi there. How can I help?";
    public const string User2 = "What is 2+2?";

    /// <summary>system, user, assistant, user.</summary>
    public static readonly ChatMessage[] Conversation =
    [
        new("system", SystemPrompt),
        new("user", User1),
        new("assistant", Assistant1),
        new("user", User2),
    ];

    /// <summary>user, assistant, user.</summary>
    public static ChatMessage[] WithoutSystem => Conversation[1..];

    /// <summary>Renders a template with no conversation, only the given variables.</summary>
    public static string Render(string template, params (string Name, object? Value)[] variables) =>
        ChatTemplate.Parse(template).Render([], false, "<s>", "</s>", variables.ToDictionary(v => v.Name, v => v.Value));

    public static TemplateException RenderFails(string template, params (string Name, object? Value)[] variables) =>
        Assert.Throws<TemplateException>(() => Render(template, variables));

    /// <summary>The weather tool used by the tool-calling tests, as an OpenAI-style function definition.</summary>
    public static readonly System.Text.Json.JsonElement WeatherTools = System.Text.Json.JsonDocument.Parse("""
        [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
        """).RootElement;
}
