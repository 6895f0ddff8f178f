using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Network;

/// <summary>
/// A coordinator and two providers as separate processes: both serve, load spreads, and killing the provider
/// that is streaming gives the client a clear error (never a hang) while the survivor keeps serving.
/// The model is a synthetic one in a real shape, slow enough (milliseconds a token) that a stream is still
/// running when its provider is killed.
/// </summary>
public sealed partial class MultiProviderTests : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private const string ProviderToken = "multi-provider-test-token-4f2a";
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _data = new();
    private readonly List<UmbraProcess> _processes = [];
    private readonly Dictionary<string, UmbraProcess> _providers = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private string _endpoint = "";
    private string _key = "";

    [GeneratedRegex(@"^Coordinator at (?<url>http://127\.0\.0\.1:\d+/v1) \(providers connect to (?<hub>ws://\S+)\)$")]
    private static partial Regex CoordinatorLine();

    [GeneratedRegex(@"^Provider (?<id>\S+): key ")]
    private static partial Regex ProviderLine();

    public async Task InitializeAsync()
    {
        string model = _data.File("slow.gguf");
        await Run("model", "synth", "--shape", "tinyllama-1.1b", "--layers", "2", "--type", "q4_0", "--context-length", "4096", "-o", model);
        _key = (await Run("keys", "create", "--data-dir", _data.Path, "--name", "multi")).Stdout.TrimEnd().Split('\n')[^1];

        var coordinator = Start("coordinator", "--port", "0", "--data-dir", _data.Path, "--rate-limit", "1000", "--burst", "1000", "--provider-token", ProviderToken);
        var match = await coordinator.WaitForLineAsync(CoordinatorLine(), StartTimeout);
        _endpoint = match.Groups["url"].Value;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        foreach (var name in new[] { "p1", "p2" })
        {
            var provider = Start("provider", "--coordinator", match.Groups["hub"].Value, "--model", model, "--model-id", "slow", "--data-dir", _data.File(name), "--token", ProviderToken);
            _providers[(await provider.WaitForLineAsync(ProviderLine(), StartTimeout)).Groups["id"].Value] = provider;
        }
        // Both registered once the coordinator lists two providers for the model.
        var deadline = DateTime.UtcNow + StartTimeout;
        while ((await Providers()).Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the providers did not register in time");
            await Task.Delay(100);
        }
    }

    public Task DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        _http.Dispose();
        _data.Dispose();
        _home.Dispose();
        return Task.CompletedTask;
    }

    private UmbraProcess Start(params string[] args)
    {
        var p = UmbraProcess.Start(_home, args);
        _processes.Add(p);
        return p;
    }

    private async Task<CliResult> Run(params string[] args)
    {
        using var p = UmbraProcess.Start(_home, args);
        return (await p.WaitForExitAsync(StartTimeout)).AssertSuccess();
    }

    private async Task<List<(string Id, int InFlight)>> Providers()
    {
        using var response = await _http.GetAsync(new Uri($"{_endpoint}/models/slow/providers"));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return []; // no provider of the model yet
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("provider_id").GetString()!, e.TryGetProperty("in_flight", out var f) ? f.GetInt32() : 0))];
    }

    private ChatClient Chat => new("slow", new ApiKeyCredential(_key), new OpenAIClientOptions { Endpoint = new Uri(_endpoint), NetworkTimeout = TimeSpan.FromSeconds(60) });

    [Fact]
    public async Task Two_providers_serve_and_a_killed_one_fails_its_stream_cleanly_while_the_other_serves_on()
    {
        for (int i = 0; i < 4; i++)
        {
            var answer = (await Chat.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 })).Value;
            Assert.Equal(4, answer.Usage.OutputTokenCount);
        }

        // A long stream; once it flows, find the provider carrying it and kill that process outright.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{_endpoint}/completions"))
        {
            Content = new StringContent("""{"model":"slow","prompt":"abc","max_tokens":3000,"temperature":0,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: {", await reader.ReadLineAsync(), StringComparison.Ordinal);
        var busy = (await Providers()).Single(p => p.InFlight > 0).Id;
        _providers[busy].Signal(9);

        // The client learns of it in-band and the stream ends: no hang, no silent cut.
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("\"error\"", rest, StringComparison.Ordinal);

        var survivor = (await Chat.CompleteChatAsync([new UserChatMessage("still there?")], new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 })).Value;
        Assert.Equal(4, survivor.Usage.OutputTokenCount);
        Assert.Single(await Providers());
    }
}
