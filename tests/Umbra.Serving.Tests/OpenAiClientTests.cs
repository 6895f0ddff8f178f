using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace Umbra.Serving.Tests;

/// <summary>The official OpenAI .NET client, used as a real client against `umbra serve`.</summary>
[Collection(ServerCollection.Name)]
public class OpenAiClientTests(ServerFixture server)
{
    private OpenAIClientOptions Options => new() { Endpoint = new Uri(server.BaseAddress, "v1") };

    private ChatClient Chat => new(ServerFixture.ModelId, new ApiKeyCredential("not-needed-locally"), Options);

    [Fact]
    public async Task Lists_the_served_model()
    {
        var client = new OpenAIModelClient(new ApiKeyCredential("x"), Options);
        var models = await client.GetModelsAsync();
        var model = Assert.Single(models.Value);
        Assert.Equal(ServerFixture.ModelId, model.Id);
        Assert.Equal("umbra", model.OwnedBy);
        var one = await client.GetModelAsync(ServerFixture.ModelId);
        Assert.Equal(ServerFixture.ModelId, one.Value.Id);
    }

    [Fact]
    public async Task Completes_a_chat_with_usage()
    {
        var result = await Chat.CompleteChatAsync(
            [new UserChatMessage("Tell me a story about a cat.")],
            new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 });
        var completion = result.Value;
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(16, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 5);
        Assert.Equal(completion.Usage.InputTokenCount + 16, completion.Usage.TotalTokenCount);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streams_a_chat_whose_deltas_match_the_whole_answer()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 20, Temperature = 0 };
        var whole = (await Chat.CompleteChatAsync([new UserChatMessage("Once upon a time")], options)).Value.Content[0].Text;

        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        int updates = 0;
        await foreach (var update in Chat.CompleteChatStreamingAsync([new UserChatMessage("Once upon a time")], options))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.True(updates > 3, "the answer should arrive in several chunks");
        Assert.Equal(whole, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(20, usage.OutputTokenCount);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_text()
    {
#pragma warning disable OPENAI001 // Seed is marked experimental in the client; the server supports it fully.
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 1f, Seed = 99 };
#pragma warning restore OPENAI001
        var a = (await Chat.CompleteChatAsync([new UserChatMessage("Hello")], options)).Value.Content[0].Text;
        var b = (await Chat.CompleteChatAsync([new UserChatMessage("Hello")], options)).Value.Content[0].Text;
        Assert.Equal(a, b);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_the_client_reports()
    {
        var client = new ChatClient("no-such-model", new ApiKeyCredential("x"), Options);
        var e = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, e.Status);
        Assert.Contains("no-such-model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_beyond_the_context_is_context_length_exceeded()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("once upon a time there was a girl", 100));
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Chat.CompleteChatAsync([new UserChatMessage(longPrompt)]));
        Assert.Equal(400, e.Status);
        Assert.Contains("context_length_exceeded", e.Message, StringComparison.Ordinal);
    }
}
