using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

/// <summary>
/// What providers say in their heartbeats about draining and unloaded models, and what the coordinator does with
/// it: a draining provider gets nothing new, and the operator can have unloaded models loaded ahead of demand.
/// The providers here are raw hub sockets, so every frame is the test's own.
/// </summary>
public sealed class ModelLoadAndDrainTests
{
    [Fact]
    public async Task A_provider_that_announces_its_drain_leaves_the_listing_and_gets_no_new_requests()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var first = await RawProvider.ConnectAsync(coordinator, "first");
        using var second = await RawProvider.ConnectAsync(coordinator, "second");
        var client = coordinator.Client();
        Assert.Equal(["first", "second"], await ListedAsync(client));

        await first.SendAsync("""{"type":"heartbeat","v":1,"running":0,"waiting":0,"draining":true}""");
        await WaitUntilAsync(async () => (await ListedAsync(client)).SequenceEqual(["second"]));

        // Sealed to both: every request goes to the other one (were the draining one still a candidate, about
        // half would go there, and the other's socket would wait in vain).
        for (var i = 0; i < 6; i++)
        {
            var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: [first.Key.PublicKey, second.Key.PublicKey]);
            using var pending = request.PendingResponse;
            var posting = SealedClient.PostAsync(client, "/v1/chat/completions", request);
            using (var sent = await second.ReceiveAsync("request"))
                await second.AnswerAsync(sent.RootElement.GetProperty("handle").GetString()!);
            using var response = await posting;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // With every provider of the model draining, a request is told to come back later, not that the model is unknown.
        await second.SendAsync("""{"type":"heartbeat","v":1,"running":0,"waiting":0,"draining":true}""");
        await WaitUntilAsync(async () => (await ListedAsync(client)).Count == 0);
        var late = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: [first.Key.PublicKey, second.Key.PublicKey]);
        using var latePending = late.PendingResponse;
        using var refused = await SealedClient.PostAsync(client, "/v1/chat/completions", late);
        await SealedIngressTests.AssertError(refused, HttpStatusCode.TooManyRequests, "capacity_exceeded");
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_operator_has_unloaded_models_loaded_ahead_of_demand()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var cold = await RawProvider.ConnectAsync(coordinator, "cold");
        using var warm = await RawProvider.ConnectAsync(coordinator, "warm");
        using var alsoCold = await RawProvider.ConnectAsync(coordinator, "z-cold");
        await cold.SendAsync(Heartbeat(loaded: false));
        await warm.SendAsync(Heartbeat(loaded: true));
        await alsoCold.SendAsync(Heartbeat(loaded: false));
        var client = coordinator.Client();
        await WaitUntilAsync(async () => (await LoadedAsync(client)).Count(l => l == false) == 2);

        using var admin = new HttpClient { BaseAddress = coordinator.BaseAddress };
        using (var anonymous = await admin.PostAsync("/admin/models/test-model/load", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCoordinator.AdminToken);

        // At most one: the first of those that unloaded it.
        using (var one = await admin.PostAsync("/admin/models/test-model/load", Json("""{"providers":1}""")))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
            using var body = JsonDocument.Parse(await one.Content.ReadAsStringAsync());
            Assert.Equal(["cold"], body.RootElement.GetProperty("asked").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["warm"], body.RootElement.GetProperty("already_loaded").EnumerateArray().Select(e => e.GetString()));
        }
        using (var load = await cold.ReceiveAsync("load"))
            Assert.Equal("test-model", load.RootElement.GetProperty("model").GetString());

        // Without a body: every provider that reports it unloaded.
        using (var all = await admin.PostAsync("/admin/models/test-model/load", null))
        {
            using var body = JsonDocument.Parse(await all.Content.ReadAsStringAsync());
            Assert.Equal(["cold", "z-cold"], body.RootElement.GetProperty("asked").EnumerateArray().Select(e => e.GetString()));
        }
        using (var load = await alsoCold.ReceiveAsync("load"))
            Assert.Equal("test-model", load.RootElement.GetProperty("model").GetString());

        using var unknown = await admin.PostAsync("/admin/models/no-such-model/load", null);
        await SealedIngressTests.AssertError(unknown, HttpStatusCode.NotFound, "model_not_found");
        foreach (var bad in new[] { """{"providers":0}""", """{"providers":"two"}""", "{not json", """[1,2]""" })
        {
            using var refused = await admin.PostAsync("/admin/models/test-model/load", Json(bad));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("providers", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        }
    }

    private static string Heartbeat(bool loaded) =>
        $$"""{"type":"heartbeat","v":1,"running":0,"waiting":0,"models":[{"id":"test-model","loaded":{{(loaded ? "true" : "false")}},"running":0,"waiting":0,"max_sequences":4,"tokens_used":0,"token_budget":8192,"prefill_tokens_per_second":100,"decode_tokens_per_second":10}]}""";

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<List<string>> ListedAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/models/test-model/providers");
        if (response.StatusCode == HttpStatusCode.NotFound)
            return [];
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("provider_id").GetString()!)];
    }

    private static async Task<List<bool?>> LoadedAsync(HttpClient client)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/models/test-model/providers"));
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.TryGetProperty("loaded", out var l) && l.ValueKind != JsonValueKind.Null ? l.GetBoolean() : (bool?)null)];
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        while (!await condition())
            await Task.Delay(20, timeout.Token);
    }

    /// <summary>A provider as bare hub frames: registers one key for test-model and answers requests with one empty chunk.</summary>
    private sealed class RawProvider : IDisposable
    {
        private readonly ClientWebSocket _socket = new();

        private RawProvider() { }

        public HpkePrivateKey Key { get; } = HpkePrivateKey.Generate();

        public static async Task<RawProvider> ConnectAsync(TestCoordinator coordinator, string id)
        {
            var provider = new RawProvider();
            await provider._socket.ConnectAsync(coordinator.HubUri, CancellationToken.None);
            var publicKey = Base64Url.EncodeToString(provider.Key.PublicKey.Export());
            await provider.SendAsync($$"""
                {"type":"register","v":1,"provider_id":"{{id}}","models":[{"id":"test-model","context_length":4096}],
                 "keys":[{"key_id":"{{provider.Key.PublicKey.KeyId}}","public_key":"{{publicKey}}","suite":"P256-SHA256-AES256GCM"}]}
                """);
            (await provider.ReceiveAsync("registered")).Dispose();
            (await provider.ReceiveAsync("challenge")).Dispose();
            return provider;
        }

        public Task SendAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        public async Task AnswerAsync(string handle)
        {
            var chunk = new SealedChunk(0, true, new byte[20], Key.PublicKey.KeyId, new byte[32]);
            await SendAsync($$"""{"type":"chunk","v":1,"handle":"{{handle}}","chunk":{{Encoding.UTF8.GetString(chunk.ToUtf8Json())}}}""");
            await SendAsync($$"""{"type":"complete","v":1,"handle":"{{handle}}","prompt_tokens":1,"completion_tokens":1}""");
        }

        /// <summary>The next frame of <paramref name="type"/>, skipping others (challenges may come at any time).</summary>
        public async Task<JsonDocument> ReceiveAsync(string type)
        {
            using var timeout = new CancellationTokenSource(TestTimeouts.Request);
            var buffer = new byte[1 << 16];
            while (true)
            {
                var count = 0;
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
                    count += result.Count;
                    if (result.EndOfMessage)
                        break;
                }
                var doc = JsonDocument.Parse(buffer.AsMemory(0, count));
                var kind = doc.RootElement.GetProperty("type").GetString();
                if (kind == type)
                    return doc;
                doc.Dispose();
            }
        }

        public void Dispose()
        {
            _socket.Abort();
            _socket.Dispose();
            Key.Dispose();
        }
    }
}
