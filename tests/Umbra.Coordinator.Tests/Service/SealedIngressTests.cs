using System.Net;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

public sealed class SealedIngressTests
{
    [Fact]
    public async Task Streamed_sealed_request_is_relayed_chunk_by_chunk_and_opens_at_the_client()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var opener = pending.CreateOpener();
        var text = new StringBuilder();
        var sawDone = false;
        await foreach (var data in Sse.ReadDataAsync(await response.Content.ReadAsStreamAsync()))
        {
            if (data == "[DONE]")
            {
                sawDone = true;
                continue;
            }
            var payload = opener.Open(SealedChunk.Parse(Encoding.UTF8.GetBytes(data)));
            var chunk = JsonSerializer.Deserialize(payload, OpenAiJson.Context.ChatCompletionChunk)!;
            text.Append(chunk.Choices[0].Delta.Content);
        }
        opener.EnsureComplete();
        Assert.True(sawDone);
        Assert.Equal("Hello from p1", text.ToString());
        Assert.Equal(provider.PublicKey.KeyId, opener.KeyId);
    }

    [Fact]
    public async Task Whole_sealed_request_gets_the_single_final_chunk()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var request = SealedClient.Seal(RequestEndpoints.Completions, stream: false, keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/completions", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SealedClient.ContentType, response.Content.Headers.ContentType?.MediaType);
        using var opener = pending.CreateOpener();
        var payload = opener.Open(SealedChunk.Parse(await response.Content.ReadAsByteArrayAsync()));
        opener.EnsureComplete();
        var completion = JsonSerializer.Deserialize(payload, OpenAiJson.Context.TextCompletion)!;
        Assert.Equal("Hello from p1", completion.Choices[0].Text);
    }

    [Fact]
    public async Task Envelope_for_another_endpoint_is_refused()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var request = SealedClient.Seal(RequestEndpoints.Completions, stream: false, keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request);

        await AssertError(response, HttpStatusCode.BadRequest, "endpoint_mismatch");
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task Malformed_and_truncated_envelopes_are_refused_naming_the_problem()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: provider.PublicKey);
        using var pending = request.PendingResponse;
        var json = request.Envelope.ToUtf8Json();
        var client = coordinator.Client();

        using var truncated = await client.PostAsync("/v1/chat/completions", SealedClient.Content(json[..(json.Length / 2)]));
        using var noCiphertext = await client.PostAsync("/v1/chat/completions", SealedClient.Content(
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json).Replace("\"ciphertext\"", "\"other\"", StringComparison.Ordinal))));
        using var notJson = await client.PostAsync("/v1/chat/completions", SealedClient.Content("hello"u8.ToArray()));

        await AssertError(truncated, HttpStatusCode.BadRequest, "invalid_envelope");
        var body = await AssertError(noCiphertext, HttpStatusCode.BadRequest, "invalid_envelope");
        Assert.Contains("ciphertext", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertError(notJson, HttpStatusCode.BadRequest, "invalid_envelope");
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task Oversized_body_is_refused_with_413()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.MaxRequestBodyBytes = 4096);
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, content: new string('x', 8000), keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request);

        await AssertError(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task Unknown_model_is_404_model_not_found_and_unknown_keys_409()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        using var stranger = HpkePrivateKey.Generate();
        var otherModel = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, model: "no-such-model", keys: provider.PublicKey);
        var otherKey = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: stranger.PublicKey);
        using var p1 = otherModel.PendingResponse;
        using var p2 = otherKey.PendingResponse;
        var client = coordinator.Client();

        using var notFound = await SealedClient.PostAsync(client, "/v1/chat/completions", otherModel);
        using var noRecipient = await SealedClient.PostAsync(client, "/v1/chat/completions", otherKey);

        await AssertError(notFound, HttpStatusCode.NotFound, "model_not_found");
        await AssertError(noRecipient, HttpStatusCode.Conflict, "recipient_unavailable");
    }

    [Fact]
    public async Task Provider_error_before_content_becomes_an_http_error()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        provider.Handler.Behavior = ProviderBehavior.FailBeforeContent;
        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request);

        await AssertError(response, HttpStatusCode.BadRequest, "context_length_exceeded");
    }

    internal static async Task<JsonElement> AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        var body = document.RootElement.Clone();
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
        return body;
    }
}
