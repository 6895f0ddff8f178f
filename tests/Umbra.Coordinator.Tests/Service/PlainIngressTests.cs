using System.ClientModel;
using System.Net;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Service;

public sealed class PlainIngressTests
{
    [Fact]
    public async Task Official_client_gets_a_whole_chat_completion_sealed_by_the_coordinator()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var chat = Chat(coordinator);

        var completion = await chat.CompleteChatAsync([new UserChatMessage("plain hello")]);

        Assert.Equal("Hello from p1", completion.Value.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.Value.FinishReason);
        Assert.True(completion.GetRawResponse().Headers.TryGetValue("X-Umbra-Sealed-By", out var sealedBy));
        Assert.Equal("coordinator", sealedBy);
        // The provider opened the body the client sent: the coordinator sealed it to the provider's key.
        Assert.Contains("plain hello", provider.Handler.LastBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Official_client_streams_a_chat_completion()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var chat = Chat(coordinator);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("stream please")]))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello from p1", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task Plain_stream_carries_the_sealed_by_header_and_ends_with_done()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        using var content = new StringContent("""{"model":"test-model","prompt":"once","stream":true}""", Encoding.UTF8, "application/json");

        using var response = await coordinator.Client().PostAsync("/v1/completions", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("coordinator", Assert.Single(response.Headers.GetValues("X-Umbra-Sealed-By")));
        var events = new List<string>();
        await foreach (var data in Sse.ReadDataAsync(await response.Content.ReadAsStreamAsync()))
            events.Add(data);
        Assert.Equal("[DONE]", events[^1]);
        Assert.All(events[..^1], e => Assert.Contains("\"text_completion\"", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plain_ingress_can_be_refused_with_a_pointer_to_the_sealing_client()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.AllowPlainIngress = false);
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        using var content = new StringContent("""{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

        using var response = await coordinator.Client().PostAsync("/v1/chat/completions", content);

        var body = await SealedIngressTests.AssertError(response, HttpStatusCode.UnsupportedMediaType, "sealed_request_required");
        Assert.Contains("umbra proxy", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task Plain_request_errors_are_openai_shaped()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var client = coordinator.Client();
        using var noMessages = new StringContent("""{"model":"test-model"}""", Encoding.UTF8, "application/json");
        using var badJson = new StringContent("{", Encoding.UTF8, "application/json");
        using var unknownModel = new StringContent("""{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

        await SealedIngressTests.AssertError(await client.PostAsync("/v1/chat/completions", noMessages), HttpStatusCode.BadRequest, "missing_required_parameter");
        await SealedIngressTests.AssertError(await client.PostAsync("/v1/chat/completions", badJson), HttpStatusCode.BadRequest, "invalid_json");
        await SealedIngressTests.AssertError(await client.PostAsync("/v1/chat/completions", unknownModel), HttpStatusCode.NotFound, "model_not_found");
    }

    private static ChatClient Chat(TestCoordinator coordinator) =>
        new("test-model", new ApiKeyCredential(coordinator.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(coordinator.BaseAddress, "v1") });
}
