using System.ClientModel;
using System.Net;
using OpenAI;
using OpenAI.Chat;
using Umbra.Client.Proxy;

namespace Umbra.Client.Tests;

/// <summary>The official OpenAI client, pointed at `umbra proxy`, gets answers that travelled sealed.</summary>
public sealed class ProxyTests : IAsyncLifetime
{
    private StandInCoordinator _coordinator = null!;
    private Microsoft.AspNetCore.Builder.WebApplication _proxy = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _coordinator = await StandInCoordinator.StartAsync();
        _http.BaseAddress = _coordinator.BaseAddress;
        var client = new UmbraClient(_http, new UmbraClientOptions { Coordinator = _coordinator.BaseAddress });
        _proxy = ProxyServer.Build(client, _http, IPAddress.Loopback, 0);
        await _proxy.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _proxy.StopAsync();
        await _proxy.DisposeAsync();
        _http.Dispose();
        await _coordinator.DisposeAsync();
    }

    private ChatClient Chat => new("stories", new ApiKeyCredential("local"), new OpenAIClientOptions { Endpoint = new Uri(_proxy.Urls.First() + "/v1") });

    [Fact]
    public async Task The_openai_client_chats_through_the_proxy_and_the_wire_carries_no_prompt()
    {
        var result = await Chat.CompleteChatAsync([new UserChatMessage("CANARY-77 secret plan")]);
        Assert.Equal("echo: CANARY-77 secret plan", result.Value.Content[0].Text);
        Assert.DoesNotContain("CANARY", System.Text.Encoding.UTF8.GetString(Assert.Single(_coordinator.WireBodies)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openai_client_streams_through_the_proxy()
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in Chat.CompleteChatStreamingAsync([new UserChatMessage("a b c")]))
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        Assert.Equal("echo: a b c", text.ToString());
    }

    [Fact]
    public async Task A_tampered_answer_reaches_the_openai_client_as_an_error()
    {
        _coordinator.Tamper = chunks => [.. chunks.Select(c => { var x = (byte[])c.Clone(); x[^5] ^= 1; return x; })];
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Chat.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(502, e.Status);
    }

    [Fact]
    public async Task A_proxy_that_requires_hardware_answers_insufficient_trust_and_sends_nothing()
    {
        _coordinator.ClaimedTrustLevel = "hardware_certified"; // the coordinator's claim counts for nothing
        var strict = new UmbraClient(_http, new UmbraClientOptions { Coordinator = _coordinator.BaseAddress, MinimumTrust = Umbra.Protocol.Attestation.TrustLevel.Hardware });
        await using var proxy = ProxyServer.Build(strict, _http, IPAddress.Loopback, 0);
        await proxy.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(proxy.Urls.First()) };
        var response = await http.PostAsync("/v1/chat/completions", new StringContent("""{"model":"stories","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("insufficient_trust", error.GetProperty("code").GetString());
        Assert.Contains("stand-in-provider is self_signed (the coordinator claimed hardware_certified)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_coordinator.WireBodies);
        await proxy.StopAsync();
    }

    [Fact]
    public async Task Requests_for_another_host_name_or_not_json_are_refused()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_proxy.Urls.First()) };
        using var rebound = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"stories","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        rebound.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(rebound)).StatusCode);

        var form = await http.PostAsync("/v1/chat/completions", new StringContent("model=stories", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Empty(_coordinator.WireBodies);
    }
}
