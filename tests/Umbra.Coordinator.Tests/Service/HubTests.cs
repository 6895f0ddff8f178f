using System.Buffers.Text;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

public sealed class HubTests
{
    [Fact]
    public async Task Registered_provider_is_listed_with_its_models_and_keys()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1", model: "llama-test");
        var client = coordinator.Client();

        using var models = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));
        using var providers = JsonDocument.Parse(await client.GetStringAsync("/v1/models/llama-test/providers"));
        using var missing = await client.GetAsync("/v1/models/other/providers");

        Assert.Equal("list", models.RootElement.GetProperty("object").GetString());
        Assert.Equal("llama-test", Assert.Single(models.RootElement.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        var entry = Assert.Single(providers.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("p1", entry.GetProperty("provider_id").GetString());
        Assert.Equal(provider.PublicKey.KeyId, entry.GetProperty("key_id").GetString());
        Assert.Equal(provider.PublicKey, HpkePublicKey.Import(Base64Url.DecodeFromChars(entry.GetProperty("public_key").GetString())));
        Assert.Equal(SealingSuites.Aes256GcmName, entry.GetProperty("suite").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("attestation").ValueKind);
        Assert.Equal([provider.PublicKey.KeyId], provider.Client.AcceptedKeyIds);
        await SealedIngressTests.AssertError(missing, HttpStatusCode.NotFound, "model_not_found");
    }

    [Fact]
    public async Task Unknown_types_and_fields_are_ignored_and_a_dropped_socket_removes_the_provider()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var key = HpkePrivateKey.Generate();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(coordinator.HubUri, CancellationToken.None);
        var publicKey = Base64Url.EncodeToString(key.PublicKey.Export());
        using var forged = HpkePrivateKey.Generate();

        await SendAsync(socket, $$"""
            {"type":"register","v":1,"provider_id":"raw","future_field":{"x":1},
             "models":[{"id":"test-model","context_length":4096,"quantization":"q4"}],
             "keys":[{"key_id":"{{key.PublicKey.KeyId}}","public_key":"{{publicKey}}","suite":"P256-SHA256-AES256GCM","extra":true},
                     {"key_id":"{{forged.PublicKey.KeyId}}","public_key":"{{publicKey}}","suite":"P256-SHA256-AES256GCM"}]}
            """);
        using (var registered = await ReceiveAsync(socket))
        {
            Assert.Equal("registered", registered.RootElement.GetProperty("type").GetString());
            // The second key claims an id that is not its point's: refused.
            Assert.Equal([key.PublicKey.KeyId], registered.RootElement.GetProperty("accepted_key_ids").EnumerateArray().Select(e => e.GetString()));
        }
        // Registration is followed at once by a liveness challenge; this provider does not attest (the test
        // coordinator's minimum trust is none), so it is still routed to.
        using (var challenge = await ReceiveAsync(socket))
        {
            Assert.Equal("challenge", challenge.RootElement.GetProperty("type").GetString());
            Assert.Equal(43, challenge.RootElement.GetProperty("nonce").GetString()!.Length);
        }
        await SendAsync(socket, """{"type":"telemetry","v":2,"gpu_temp":71}""");
        await SendAsync(socket, "not json at all");
        await SendAsync(socket, """{"type":"heartbeat","v":1,"running":0,"waiting":0,"tokens_per_second":55.5}""");

        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: key.PublicKey);
        using var pending = request.PendingResponse;
        var posting = SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request);
        string handle;
        using (var message = await ReceiveAsync(socket))
        {
            Assert.Equal("request", message.RootElement.GetProperty("type").GetString());
            handle = message.RootElement.GetProperty("handle").GetString()!;
            // The envelope arrives as the client sent it.
            Assert.Equal(request.Envelope.ToUtf8Json(), Encoding.UTF8.GetBytes(message.RootElement.GetProperty("envelope").GetRawText()));
        }
        var chunk = new SealedChunk(0, true, new byte[20], key.PublicKey.KeyId, new byte[32]);
        await SendAsync(socket, $$"""{"type":"chunk","v":1,"handle":"{{handle}}","chunk":{{Encoding.UTF8.GetString(chunk.ToUtf8Json())}},"note":"x"}""");
        await SendAsync(socket, $$"""{"type":"complete","v":1,"handle":"{{handle}}","prompt_tokens":1,"completion_tokens":1}""");
        using var response = await posting;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(chunk.ToUtf8Json(), await response.Content.ReadAsByteArrayAsync());

        socket.Abort();
        await coordinator.WaitForProvidersAsync(0);
        using var models = JsonDocument.Parse(await coordinator.Client().GetStringAsync("/v1/models"));
        Assert.Empty(models.RootElement.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Hub_needs_a_websocket()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var client = new HttpClient { BaseAddress = coordinator.BaseAddress };

        using var response = await client.GetAsync("/v1/providers/connect");

        await SealedIngressTests.AssertError(response, HttpStatusCode.BadRequest, "websocket_required");
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonDocument> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        var buffer = new byte[1 << 20];
        var count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
            count += result.Count;
            if (result.EndOfMessage)
                return JsonDocument.Parse(buffer.AsMemory(0, count));
        }
    }
}
