using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Network;

/// <summary>
/// The whole network as real processes on loopback: `umbra up` (a coordinator and a provider running
/// stories260K), the official OpenAI client against it, and `umbra proxy` sealing in front of it.
/// </summary>
public sealed partial class PrivateNetworkTests : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _data = new();
    private UmbraProcess _up = null!;
    private string _endpoint = "";
    private string _key = "";

    [GeneratedRegex(@"^  endpoint:  (?<url>http://127\.0\.0\.1:\d+/v1) ")]
    private static partial Regex EndpointLine();

    [GeneratedRegex(@"^(?<key>umbra_[A-Za-z0-9_-]{43})$")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@" at (?<url>http://127\.0\.0\.1:\d+)/v1 ")]
    private static partial Regex ProxyLine();

    public async Task InitializeAsync()
    {
        _up = UmbraProcess.Start(_home, "up", "--port", "0", "--data-dir", _data.Path, "--model", TestPaths.Stories260K, "--ctx-size", "512", "--verbose");
        _endpoint = (await _up.WaitForLineAsync(EndpointLine(), StartTimeout)).Groups["url"].Value;
        _key = (await _up.WaitForLineAsync(KeyLine(), StartTimeout)).Groups["key"].Value;
    }

    public Task DisposeAsync()
    {
        _up.Dispose();
        _data.Dispose();
        _home.Dispose();
        return Task.CompletedTask;
    }

    private OpenAIClientOptions At(string endpoint) => new() { Endpoint = new Uri(endpoint), NetworkTimeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task The_openai_client_chats_streams_and_lists_models_through_the_network()
    {
        // The provider's engine warmed up before it joined, so no consumer's request is the one that compiles it.
        Assert.Contains("Warmed up 'stories260K' in ", _up.Stdout, StringComparison.Ordinal);
        var models = await new OpenAIModelClient(new ApiKeyCredential(_key), At(_endpoint)).GetModelsAsync();
        Assert.Equal("stories260K", Assert.Single(models.Value).Id);

        var chat = new ChatClient("stories260K", new ApiKeyCredential(_key), At(_endpoint));
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 };
        var whole = (await chat.CompleteChatAsync([new UserChatMessage("Once upon a time")], options)).Value;
        Assert.False(string.IsNullOrWhiteSpace(whole.Content[0].Text));
        Assert.Equal(12, whole.Usage.OutputTokenCount);

        var streamed = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Once upon a time")], options))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(whole.Content[0].Text, streamed.ToString());

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        using var response = await http.PostAsync(new Uri($"{_endpoint}/completions"),
            new StringContent("""{"model":"stories260K","prompt":"Once upon a time","max_tokens":20,"temperature":0}""", Encoding.UTF8, "application/json"));
        Assert.Equal("coordinator", Assert.Single(response.Headers.GetValues("X-Umbra-Sealed-By")));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith(", there was a little girl named Lily", body.RootElement.GetProperty("choices")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_api_key_is_refused()
    {
        var chat = new ChatClient("stories260K", new ApiKeyCredential("umbra_not-a-real-key"), At(_endpoint));
        var e = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, e.Status);
    }

    [Fact]
    public async Task Through_the_proxy_a_canary_reaches_no_coordinator_log_or_file()
    {
        const string canary = "CANARY-5e1d heliotrope";
        string coordinatorBase = _endpoint[..^"v1".Length];
        using var proxy = UmbraProcess.Start(_home, "proxy", "--coordinator", coordinatorBase, "--api-key", _key, "--port", "0");
        string proxyUrl = (await proxy.WaitForLineAsync(ProxyLine(), StartTimeout)).Groups["url"].Value;

        var chat = new ChatClient("stories260K", new ApiKeyCredential("local"), At($"{proxyUrl}/v1"));
        var answer = (await chat.CompleteChatAsync([new UserChatMessage(canary)], new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 })).Value;
        Assert.False(string.IsNullOrWhiteSpace(answer.Content[0].Text));
        var streamed = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(canary)], new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 }))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(answer.Content[0].Text, streamed.ToString());

        proxy.Signal(PosixSignals.Interrupt);
        await proxy.WaitForExitAsync(TimeSpan.FromSeconds(10));
        _up.Signal(PosixSignals.Interrupt);
        var up = await _up.WaitForExitAsync(TimeSpan.FromSeconds(30));
        up.AssertSuccess();
        Assert.Contains("POST /v1/chat/completions -> 200", up.Stdout + up.Stderr, StringComparison.Ordinal); // the log did record the requests
        Assert.DoesNotContain("CANARY", up.Stdout + up.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("heliotrope", up.Stdout + up.Stderr, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_data.Path, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf("CANARY"u8) < 0, $"the canary was found in {file}");
        }
    }
}
