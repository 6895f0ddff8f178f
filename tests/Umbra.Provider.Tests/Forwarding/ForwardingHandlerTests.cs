using System.Net;
using Microsoft.AspNetCore.Builder;
using Umbra.Inference.Generation;
using Umbra.Inference.Templates;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Engine;
using Umbra.Provider.Forwarding;
using Umbra.Provider.Tests.Engine.Support;
using Umbra.Provider.Tests.Hub.Support;
using Umbra.Serving.Hosting;

namespace Umbra.Provider.Tests.Forwarding;

/// <summary>Forwarding to a real `umbra serve` (its LocalServer on loopback, with stories260K).</summary>
public sealed class ForwardingHandlerTests
{
    private const string LocalName = "stories-local";

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_sealed_completion_is_answered_by_the_local_server_as_one_sealed_final_chunk()
    {
        await using var local = await StartLocalServerAsync();
        await using var provider = await StartProviderAsync(local.App);
        const string body = """{"model":"stories260K","prompt":"Once upon a time","max_tokens":24,"temperature":0}""";
        var (envelope, pending) = provider.Seal(body, RequestEndpoints.Completions, EngineSetup.ModelId, 24, stream: false);
        using var _ = pending;

        await provider.SendAsync("h-fwd", envelope);
        var response = await provider.ReadResponseAsync(pending);

        var (text, final) = await EngineSetup.DirectAsync(PromptBuilder.ForCompletion(EngineSetup.Model, "Once upon a time"), 24);
        Assert.Null(response.Error);
        Assert.True(Assert.Single(response.Chunks).Final);
        Assert.StartsWith(", there was a little girl named Lily", response.Text, StringComparison.Ordinal);
        Assert.Equal(text, response.Text);
        Assert.Contains($"\"model\":\"{EngineSetup.ModelId}\"", response.Payloads[0], StringComparison.Ordinal);
        Assert.Equal((final.PromptTokens, final.CompletionTokens), (response.Complete!.PromptTokens, response.Complete.CompletionTokens));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_sealed_streamed_chat_is_relayed_event_by_event_with_usage_on_the_final_chunk()
    {
        await using var local = await StartLocalServerAsync();
        await using var provider = await StartProviderAsync(local.App);
        const string body = """{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":20,"stream":true,"temperature":0}""";
        var (envelope, pending) = provider.Seal(body, RequestEndpoints.ChatCompletions, EngineSetup.ModelId, 20, stream: true);
        using var _ = pending;

        await provider.SendAsync("h-fwd-stream", envelope);
        var response = await provider.ReadResponseAsync(pending);

        var (text, final) = await EngineSetup.DirectAsync(PromptBuilder.ForChat(EngineSetup.Model, [new ChatMessage("user", "Once upon a time")]), 20);
        Assert.Null(response.Error);
        Assert.True(response.Chunks.Count > 2);
        Assert.Equal(response.Chunks.Select((_, i) => i == response.Chunks.Count - 1), response.Chunks.Select(c => c.Final));
        Assert.Equal(text, response.Text);
        Assert.All(response.Payloads, p => Assert.DoesNotContain(LocalName, p, StringComparison.Ordinal));
        Assert.Equal((final.PromptTokens, final.CompletionTokens), response.FinalUsage);
        Assert.Equal((final.PromptTokens, final.CompletionTokens), (response.Complete!.PromptTokens, response.Complete.CompletionTokens));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task The_local_servers_context_error_comes_back_as_context_length_exceeded()
    {
        await using var local = await StartLocalServerAsync(contextLength: 64);
        await using var provider = await StartProviderAsync(local.App);
        string prompt = string.Concat(Enumerable.Repeat("Once upon a time there was a cat. ", 20));
        var (envelope, pending) = provider.Seal($$"""{"model":"stories260K","prompt":"{{prompt}}","max_tokens":8}""", RequestEndpoints.Completions, EngineSetup.ModelId, 8, stream: false);
        using var _ = pending;

        await provider.SendAsync("h-fwd-long", envelope);

        Assert.Equal(ProviderErrorCodes.ContextLengthExceeded, (await provider.ReadResponseAsync(pending)).Error!.Code);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task An_unreachable_local_server_is_upstream_error()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        await using var provider = await StartProviderAsync(new Uri($"http://127.0.0.1:{port}/v1"));
        var (envelope, pending) = provider.Seal("""{"model":"stories260K","prompt":"Once","max_tokens":4}""", RequestEndpoints.Completions, EngineSetup.ModelId, 4, stream: false);
        using var _ = pending;

        await provider.SendAsync("h-down", envelope);

        Assert.Equal(ProviderErrorCodes.UpstreamError, (await provider.ReadResponseAsync(pending)).Error!.Code);
    }

    [Theory]
    [InlineData("http://10.0.0.5:8081/v1")]
    [InlineData("http://example.com/v1")]
    [InlineData("http://127.0.0.1.example.com/v1")]
    [InlineData("ftp://127.0.0.1/v1")]
    public void A_server_off_loopback_is_refused(string url)
    {
        var options = new ForwardingOptions { BaseUri = new Uri(url), ModelId = "m" };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8081/v1")]
    [InlineData("http://[::1]:8081/v1")]
    [InlineData("http://localhost:11434/v1")]
    public void A_server_on_loopback_is_accepted(string url) =>
        new ForwardingOptions { BaseUri = new Uri(url), ModelId = "m" }.Validate();

    private static async Task<ProviderHarness> StartProviderAsync(WebApplication local) =>
        await StartProviderAsync(new Uri(LocalServer.BaseAddress(local), "v1"));

    private static async Task<ProviderHarness> StartProviderAsync(Uri baseUri)
    {
        var options = new ForwardingOptions { BaseUri = baseUri, ModelId = EngineSetup.ModelId, UpstreamModel = LocalName, ContextLength = 512 };
        return await ProviderHarness.StartAsync((keyring, log) => new ForwardingHandler(options, keyring, log), [new(EngineSetup.ModelId, 512)]);
    }

    private static async Task<LocalServerHost> StartLocalServerAsync(int? contextLength = null)
    {
        var served = new ServedModel(EngineSetup.Model, LocalName, contextLength);
        var app = LocalServer.Build(served, IPAddress.Loopback, 0);
        await app.StartAsync();
        return new LocalServerHost(app, served);
    }

    private sealed record LocalServerHost(WebApplication App, ServedModel Served) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            Served.Dispose();
        }
    }
}
