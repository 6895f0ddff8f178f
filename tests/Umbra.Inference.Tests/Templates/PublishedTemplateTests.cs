using Umbra.Inference.Templates;
using static Umbra.Inference.Tests.Templates.TemplateTestKit;

namespace Umbra.Inference.Tests.Templates;

/// <summary>
/// Each published template renders a system, user, assistant, user conversation with a generation prompt to
/// exactly what Hugging Face's apply_chat_template produces; templates that refuse the conversation do so with
/// their own error text.
/// </summary>
public class PublishedTemplateTests
{
    private const string Llama3Turns =
        "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n";

    [Fact]
    public void Llama3()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Llama3).Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>" + Llama3Turns,
            output);
    }

    [Fact]
    public void Llama3_without_generation_prompt_ends_after_the_last_turn()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Llama3).Render(Conversation, false, "<|begin_of_text|>", "<|eot_id|>");
        Assert.EndsWith("What is 2+2?<|eot_id|>", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Llama31_uses_its_default_date()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Llama31).Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
            "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
            "You are a helpful assistant.<|eot_id|>" + Llama3Turns,
            output);
    }

    [Fact]
    public void Llama31_takes_date_string_from_the_caller()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Llama31).Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>",
            new Dictionary<string, object?> { ["date_string"] = "01 Jan 2025" });
        Assert.Contains("Today Date: 01 Jan 2025\n\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Llama31_puts_tools_in_the_first_user_message()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Llama31).Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>",
            new Dictionary<string, object?> { ["tools"] = WeatherTools });
        const string tool = """
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Get the current weather",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "city": {
                                "type": "string"
                            }
                        },
                        "required": [
                            "city"
                        ]
                    }
                }
            }
            """;
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
            "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
            "You are a helpful assistant.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\n" +
            "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
            "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n" +
            tool + "\n\nHello!<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            output);
    }

    [Fact]
    public void Llama32_dates_the_prompt_with_strftime_now()
    {
        var template = ChatTemplate.Parse(PublishedTemplates.Llama32).WithClock(new FixedClock(new DateTimeOffset(2025, 3, 7, 12, 0, 0, TimeSpan.Zero)));
        var output = template.Render(Conversation, true, "<|begin_of_text|>", "<|eot_id|>");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
            "Cutting Knowledge Date: December 2023\nToday Date: 07 Mar 2025\n\n" +
            "You are a helpful assistant.<|eot_id|>" + Llama3Turns,
            output);
    }

    [Fact]
    public void Llama32_without_a_system_message_still_writes_the_system_header()
    {
        var template = ChatTemplate.Parse(PublishedTemplates.Llama32).WithClock(new FixedClock(new DateTimeOffset(2024, 12, 25, 0, 0, 0, TimeSpan.Zero)));
        var output = template.Render(WithoutSystem, true, "<|begin_of_text|>", "<|eot_id|>");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
            "Cutting Knowledge Date: December 2023\nToday Date: 25 Dec 2024\n\n<|eot_id|>" + Llama3Turns,
            output);
    }

    [Fact]
    public void Qwen25()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Qwen25).Render(Conversation, true, "", "<|im_end|>");
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nHello!<|im_end|>\n" +
            "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n" +
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n" +
            "<|im_start|>assistant\n",
            output);
    }

    [Fact]
    public void Qwen25_adds_its_default_system_message()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Qwen25).Render(WithoutSystem, true, "", "<|im_end|>");
        Assert.StartsWith(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n",
            output, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen25_lists_tools_in_the_system_message()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Qwen25).Render(Conversation, true, "", "<|im_end|>",
            new Dictionary<string, object?> { ["tools"] = WeatherTools });
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.\n\n# Tools\n\n" +
            "You may call one or more functions to assist with the user query.\n\n" +
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
            "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the current weather\", " +
            "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n" +
            "</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
            "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" +
            "<|im_start|>user\nHello!<|im_end|>\n" +
            "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n" +
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n" +
            "<|im_start|>assistant\n",
            output);
    }

    [Fact]
    public void Mistral_v01_renders_alternating_turns()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.MistralV01).Render(WithoutSystem, true, "<s>", "</s>");
        Assert.Equal("<s>[INST] Hello! [/INST]Hi there. How can I help?</s>[INST] What is 2+2? [/INST]", output);
    }

    [Fact]
    public void Mistral_v01_rejects_a_system_message_with_its_own_error()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(PublishedTemplates.MistralV01).Render(Conversation, true, "<s>", "</s>"));
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", e.Reason);
    }

    [Fact]
    public void Mistral_v02_joins_the_system_message_to_the_first_user_turn()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.MistralV02).Render(Conversation, true, "<s>", "</s>");
        Assert.Equal("<s> [INST] You are a helpful assistant.\n\nHello! [/INST] Hi there. How can I help?</s> [INST] What is 2+2? [/INST]", output);
    }

    [Fact]
    public void Mistral_v03_joins_the_system_message_to_the_last_user_turn()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.MistralV03).Render(Conversation, true, "<s>", "</s>");
        Assert.Equal("<s>[INST] Hello![/INST] Hi there. How can I help?</s>[INST] You are a helpful assistant.\n\nWhat is 2+2?[/INST]", output);
    }

    [Fact]
    public void Mistral_v03_lists_tools_before_the_last_user_turn()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.MistralV03).Render(Conversation, true, "<s>", "</s>",
            new Dictionary<string, object?> { ["tools"] = WeatherTools });
        Assert.Equal(
            "<s>[INST] Hello![/INST] Hi there. How can I help?</s>" +
            "[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the current weather\", " +
            "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}][/AVAILABLE_TOOLS]" +
            "[INST] You are a helpful assistant.\n\nWhat is 2+2?[/INST]",
            output);
    }

    [Theory]
    [InlineData(nameof(PublishedTemplates.MistralV02))]
    [InlineData(nameof(PublishedTemplates.MistralV03))]
    [InlineData(nameof(PublishedTemplates.MistralNemo))]
    public void Mistral_rejects_turns_that_do_not_alternate(string name)
    {
        var source = (string)typeof(PublishedTemplates).GetField(name)!.GetValue(null)!;
        ChatMessage[] messages = [new("system", SystemPrompt), new("user", User1), new("user", User2)];
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source).Render(messages, true, "<s>", "</s>"));
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...", e.Reason);
        Assert.True(e.Line > 0);
    }

    [Fact]
    public void Mistral_nemo()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.MistralNemo).Render(Conversation, true, "<s>", "</s>");
        Assert.Equal("<s>[INST]Hello![/INST]Hi there. How can I help?</s>[INST]You are a helpful assistant.\n\nWhat is 2+2?[/INST]", output);
    }

    [Fact]
    public void Gemma2_renders_alternating_turns()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Gemma2).Render(WithoutSystem, true, "<bos>", "<eos>");
        Assert.Equal(
            "<bos><start_of_turn>user\nHello!<end_of_turn>\n" +
            "<start_of_turn>model\nHi there. How can I help?<end_of_turn>\n" +
            "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n" +
            "<start_of_turn>model\n",
            output);
    }

    [Fact]
    public void Gemma2_rejects_a_system_message_with_its_own_error()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(PublishedTemplates.Gemma2).Render(Conversation, true, "<bos>", "<eos>"));
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("System role not supported", e.Reason);
        Assert.StartsWith("System role not supported (chat template line 1, column ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemma2_rejects_turns_that_do_not_alternate()
    {
        ChatMessage[] messages = [new("user", User1), new("user", User2)];
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(PublishedTemplates.Gemma2).Render(messages, true, "<bos>", "<eos>"));
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", e.Reason);
    }

    [Fact]
    public void Phi35_mini()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Phi35Mini).Render(Conversation, true, "<s>", "<|endoftext|>");
        Assert.Equal(
            "<|system|>\nYou are a helpful assistant.<|end|>\n" +
            "<|user|>\nHello!<|end|>\n" +
            "<|assistant|>\nHi there. How can I help?<|end|>\n" +
            "<|user|>\nWhat is 2+2?<|end|>\n" +
            "<|assistant|>\n",
            output);
    }

    [Fact]
    public void Phi35_mini_ends_with_eos_without_a_generation_prompt()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Phi35Mini).Render(Conversation, false, "<s>", "<|endoftext|>");
        Assert.EndsWith("<|user|>\nWhat is 2+2?<|end|>\n<|endoftext|>", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Phi3_mini_first_release_drops_the_system_message()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.Phi3Mini).Render(Conversation, true, "<s>", "<|endoftext|>");
        Assert.Equal(
            "<s><|user|>\nHello!<|end|>\n<|assistant|>\n" +
            "Hi there. How can I help?<|end|>\n" +
            "<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n",
            output);
    }

    [Fact]
    public void DeepSeek_coder_is_shaped_by_trim_blocks()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.DeepSeekCoder).Render(Conversation, true, "<｜begin▁of▁sentence｜>", "<|EOT|>");
        Assert.Equal(
            "<｜begin▁of▁sentence｜>You are a helpful assistant." +
            "### Instruction:\nHello!\n" +
            "### Response:\nHi there. How can I help?\n<|EOT|>\n" +
            "### Instruction:\nWhat is 2+2?\n" +
            "### Response:\n",
            output);
    }

    [Fact]
    public void DeepSeek_coder_adds_its_default_system_prompt()
    {
        var output = ChatTemplate.Parse(PublishedTemplates.DeepSeekCoder).Render(WithoutSystem, false, "", "<|EOT|>");
        Assert.StartsWith("You are an AI programming assistant, utilizing the Deepseek Coder model", output, StringComparison.Ordinal);
        Assert.EndsWith("will refuse to answer\n### Instruction:\nHello!\n### Response:\nHi there. How can I help?\n<|EOT|>\n### Instruction:\nWhat is 2+2?\n", output, StringComparison.Ordinal);
    }
}
