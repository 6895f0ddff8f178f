using System.Text;
using System.Text.Json;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Tests;

public sealed class UmbraClientTests : IAsyncLifetime
{
    private StandInCoordinator _coordinator = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _coordinator = await StandInCoordinator.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _coordinator.DisposeAsync();
    }

    private UmbraClient Client => new(_http, new UmbraClientOptions { Coordinator = _coordinator.BaseAddress, ApiKey = "umbra_test" });

    private static byte[] Chat(string content, bool stream) =>
        Encoding.UTF8.GetBytes($$"""{"model":"stories","messages":[{"role":"user","content":{{JsonSerializer.Serialize(content)}}}],"max_tokens":16,"stream":{{(stream ? "true" : "false")}}}""");

    private static async Task<List<string>> Collect(IAsyncEnumerable<byte[]> payloads)
    {
        var list = new List<string>();
        await foreach (var p in payloads) list.Add(Encoding.UTF8.GetString(p));
        return list;
    }

    [Fact]
    public async Task A_sealed_request_goes_out_as_ciphertext_and_its_answer_opens()
    {
        const string canary = "CANARY-41c9 orchid";
        var payloads = await Collect(Client.SendAsync(RequestEndpoints.ChatCompletions, Chat(canary, stream: false)));
        var answer = JsonDocument.Parse(Assert.Single(payloads)).RootElement;
        Assert.Equal($"echo: {canary}", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Bearer umbra_test", _coordinator.LastAuthorization);
        var wire = Encoding.UTF8.GetString(Assert.Single(_coordinator.WireBodies));
        Assert.DoesNotContain("CANARY", wire, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"stories\"", wire, StringComparison.Ordinal); // routing metadata is in clear, and bound
    }

    [Fact]
    public async Task A_streamed_answer_opens_chunk_by_chunk()
    {
        var payloads = await Collect(Client.SendAsync(RequestEndpoints.ChatCompletions, Chat("one two three", stream: true)));
        var text = string.Concat(payloads.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal("echo: one two three", text);
        Assert.Equal(4, payloads.Count);
    }

    public static TheoryData<string> Tamperings() => new() { "reorder", "drop", "duplicate", "truncate", "flip" };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task A_tampered_stream_is_refused(string how)
    {
        _coordinator.Tamper = chunks => how switch
        {
            "reorder" => [chunks[0], chunks[2], chunks[1], .. chunks[3..]],
            "drop" => [chunks[0], .. chunks[2..]],
            "duplicate" => [chunks[0], chunks[1], chunks[1], .. chunks[2..]],
            "truncate" => chunks[..^1],
            _ => [chunks[0], Flip(chunks[1]), .. chunks[2..]],
        };
        var e = await Assert.ThrowsAsync<UmbraClientException>(() => Collect(Client.SendAsync(RequestEndpoints.ChatCompletions, Chat("one two three", stream: true))));
        Assert.Equal("response_not_authentic", e.Code);
    }

    [Fact]
    public async Task A_listed_key_whose_id_does_not_match_the_key_is_not_used()
    {
        _coordinator.ListedKeyId = new string('a', 32);
        Assert.Empty(await Client.GetProvidersAsync("stories"));
        var e = await Assert.ThrowsAsync<Umbra.Client.Trust.TrustException>(() => Collect(Client.SendAsync(RequestEndpoints.ChatCompletions, Chat("hi", stream: false))));
        Assert.Equal("insufficient_trust", e.Code);
        Assert.Contains($"stand-in-provider's key is listed under id {new string('a', 32)}, but the key's own id is {_coordinator.Key.PublicKey.KeyId}", e.Message, StringComparison.Ordinal);
        Assert.Empty(_coordinator.WireBodies); // nothing was sent
    }

    private static byte[] Flip(byte[] chunkJson)
    {
        var chunk = SealedChunk.Parse(chunkJson);
        var ct = chunk.Ciphertext.ToArray();
        ct[0] ^= 1;
        return new SealedChunk(chunk.Sequence, chunk.Final, ct).ToUtf8Json();
    }
}
