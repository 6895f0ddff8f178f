using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Responses;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

// The official client marks its Responses API experimental; these tests exist to check that API's wire format.
#pragma warning disable OPENAI001
public sealed class ResponsesTests
{
    [Fact]
    public async Task Official_client_gets_a_whole_response_with_usage()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");

        var result = await Responses(coordinator).CreateResponseAsync("test-model", "plain hello");

        var response = result.Value;
        Assert.Equal("Hello from p1", response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.Equal("test-model", response.Model);
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal(MessageRole.Assistant, message.Role);
        Assert.Equal(3, response.Usage.InputTokenCount);
        Assert.Equal(3, response.Usage.OutputTokenCount);
        Assert.Equal(6, response.Usage.TotalTokenCount);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("X-Umbra-Sealed-By", out var sealedBy));
        Assert.Equal("coordinator", sealedBy);
        // Providers speak chat.completions: the request reached the provider translated.
        using var chat = JsonDocument.Parse(provider.Handler.LastBody!);
        var only = Assert.Single(chat.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", only.GetProperty("role").GetString());
        Assert.Equal("plain hello", only.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Official_client_streams_deltas_that_end_with_response_completed()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");

        var text = new StringBuilder();
        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await Responses(coordinator).CreateResponseStreamingAsync("test-model", "stream please"))
        {
            updates.Add(update);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
                text.Append(delta.Delta);
        }

        Assert.Equal("Hello from p1", text.ToString());
        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.Equal(3, updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Count());
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal("Hello from p1", completed.Response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, completed.Response.Status);
        Assert.Equal(6, completed.Response.Usage.TotalTokenCount);
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.Contains(updates, u => u is StreamingResponseOutputTextDoneUpdate);
        Assert.Contains(updates, u => u is StreamingResponseOutputItemDoneUpdate);
    }

    [Fact]
    public async Task Stream_names_each_event_as_openai_does()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");

        using var response = await PostAsync(coordinator, """{"model":"test-model","input":"hi","stream":true}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        var names = lines.Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..]).ToList();
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
             "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
             "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
            names);
        var data = lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l["data: ".Length..])).ToList();
        Assert.Equal(names, data.Select(d => d.RootElement.GetProperty("type").GetString()));
        Assert.DoesNotContain("[DONE]", lines);
    }

    [Fact]
    public async Task Instructions_and_message_items_become_chat_messages_the_provider_sees()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var options = new CreateResponseOptions("test-model",
        [
            ResponseItem.CreateUserMessageItem("first question"),
            ResponseItem.CreateAssistantMessageItem("first answer"),
            ResponseItem.CreateUserMessageItem([ResponseContentPart.CreateInputTextPart("second "), ResponseContentPart.CreateInputTextPart("question")]),
        ])
        {
            Instructions = "Answer briefly.",
            MaxOutputTokenCount = 42,
            Temperature = 0.5f,
        };

        var result = await Responses(coordinator).CreateResponseAsync(options);

        Assert.Equal("Hello from p1", result.Value.GetOutputText());
        using var chat = JsonDocument.Parse(provider.Handler.LastBody!);
        var messages = chat.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal(
            [("system", "Answer briefly."), ("user", "first question"), ("assistant", "first answer"), ("user", "second question")],
            messages);
        Assert.Equal(42, chat.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.5, chat.RootElement.GetProperty("temperature").GetDouble(), 3);
    }

    [Fact]
    public async Task An_answer_cut_short_by_its_limit_is_incomplete()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        provider.Handler.FinishReason = "length";

        var result = await Responses(coordinator).CreateResponseAsync("test-model", "a long story");

        Assert.Equal(ResponseStatus.Incomplete, result.Value.Status);
        Assert.Equal(ResponseIncompleteStatusReason.MaxOutputTokens, result.Value.IncompleteStatusDetails.Reason);
        Assert.Equal("Hello from p1", result.Value.GetOutputText());
    }

    [Theory]
    [InlineData("""{"input":"hi"}""", "model", "missing_required_parameter")]
    [InlineData("""{"model":"test-model"}""", "input", "missing_required_parameter")]
    [InlineData("""{"model":"test-model","input":[]}""", "input", "empty_array")]
    [InlineData("""{"model":"test-model","input":42}""", "input", "invalid_type")]
    [InlineData("""{"model":"test-model","input":[{"type":"function_call_output","call_id":"c","output":"x"}]}""", "input[0].type", "invalid_value")]
    [InlineData("""{"model":"test-model","input":[{"role":"user"}]}""", "input[0].content", "missing_required_parameter")]
    [InlineData("""{"model":"test-model","input":[{"role":"robot","content":"hi"}]}""", "input[0].role", "invalid_value")]
    [InlineData("""{"model":"test-model","input":[{"role":"user","content":[{"type":"input_image","image_url":"x"}]}]}""", "input[0].content[0].type", "invalid_value")]
    [InlineData("""{"model":"test-model","input":"hi","tools":[{"type":"function","name":"f"}]}""", "tools", "invalid_value")]
    [InlineData("""{"model":"test-model","input":"hi","max_output_tokens":0}""", "max_output_tokens", "invalid_value")]
    [InlineData("""{"model":"test-model","input":"hi","temperature":3}""", "temperature", "invalid_value")]
    [InlineData("""{"model":"test-model","input":"hi","instructions":7}""", "instructions", "invalid_type")]
    [InlineData("""{"model":"test-model","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id", "invalid_value")]
    public async Task Malformed_requests_get_a_400_naming_the_parameter(string body, string param, string code)
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");

        using var response = await PostAsync(coordinator, body);

        var error = await SealedIngressTests.AssertError(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(param, error.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task A_sealed_request_is_pointed_at_the_endpoints_that_take_one()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/responses", request);

        var error = await SealedIngressTests.AssertError(response, HttpStatusCode.BadRequest, "sealed_responses_unsupported");
        Assert.Contains("chat.completions", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task Needs_an_api_key_and_honours_plain_ingress_refusal()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.AllowPlainIngress = false);
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");

        using var unauthorized = await PostAsync(coordinator, """{"model":"test-model","input":"hi"}""", apiKey: "umbra-wrong");
        using var refused = await PostAsync(coordinator, """{"model":"test-model","input":"hi"}""");

        await SealedIngressTests.AssertError(unauthorized, HttpStatusCode.Unauthorized, "invalid_api_key");
        await SealedIngressTests.AssertError(refused, HttpStatusCode.UnsupportedMediaType, "sealed_request_required");
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task A_provider_error_before_content_is_an_http_error()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        provider.Handler.Behavior = ProviderBehavior.FailBeforeContent;

        using var response = await PostAsync(coordinator, """{"model":"test-model","input":"hi","stream":true}""");

        await SealedIngressTests.AssertError(response, HttpStatusCode.BadRequest, "context_length_exceeded");
    }

    [Fact]
    public async Task A_provider_lost_mid_stream_ends_the_stream_with_an_error_event()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        var doomed = await TestProvider.StartAsync(coordinator, "doomed");
        await using var _ = doomed;
        doomed.Handler.Behavior = ProviderBehavior.StallAfterFirstChunk;
        using var content = new StringContent("""{"model":"test-model","input":"hi","stream":true}""", Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = content };
        using var response = await coordinator.Client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var data in Sse.ReadDataAsync(await response.Content.ReadAsStreamAsync()))
                events.Add(data);
        });
        await doomed.Handler.FirstChunkSent.Task.WaitAsync(TestTimeouts.Request);
        await doomed.KillAsync();

        await reading.WaitAsync(TestTimeouts.Request);
        var types = events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal("response.created", types[0]);
        Assert.Contains("response.output_text.delta", types);
        Assert.Equal("error", types[^1]);
        Assert.DoesNotContain("response.completed", types);
    }

    private static async Task<HttpResponseMessage> PostAsync(TestCoordinator coordinator, string body, string? apiKey = null)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await coordinator.Client(apiKey).PostAsync("/v1/responses", content);
    }

    private static ResponsesClient Responses(TestCoordinator coordinator) =>
        new OpenAIClient(new ApiKeyCredential(coordinator.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(coordinator.BaseAddress, "v1") }).GetResponsesClient();
}
#pragma warning restore OPENAI001
