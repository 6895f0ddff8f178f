using System.ClientModel;
using System.ComponentModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Network;

/// <summary>
/// `umbra coordinator` and several `umbra provider` processes of <see cref="SlowModel"/> on loopback, each with
/// --verbose so a test can read what each of them did. Disposing kills them all (stopped ones included).
/// </summary>
internal sealed partial class ProviderNetwork : IAsyncDisposable
{
    public const string ModelId = "slow";

    /// <summary>Bounds a wait for something that should happen soon; only reached when something is wrong.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private const string ProviderToken = "provider-network-test-token-4f2a";
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _data = new();
    private readonly List<UmbraProcess> _processes = [];
    private readonly Dictionary<string, UmbraProcess> _providers = [];

    private ProviderNetwork()
    {
    }

    public string Endpoint { get; private set; } = "";

    public string ApiKey { get; private set; } = "";

    public HttpClient Http { get; } = new() { Timeout = Patience };

    public UmbraProcess Coordinator { get; private set; } = null!;

    /// <summary>The provider processes by the id each registered with.</summary>
    public IReadOnlyDictionary<string, UmbraProcess> Providers => _providers;

    public ChatClient Chat => new(ModelId, new ApiKeyCredential(ApiKey), new OpenAIClientOptions { Endpoint = new Uri(Endpoint), NetworkTimeout = Patience });

    [GeneratedRegex(@"^Coordinator at (?<url>http://127\.0\.0\.1:\d+/v1) \(providers connect to (?<hub>ws://\S+)\)$")]
    private static partial Regex CoordinatorLine();

    [GeneratedRegex(@"^Provider (?<id>\S+): key ")]
    private static partial Regex ProviderLine();

    /// <param name="coordinatorArgs">Added to the coordinator's command line (e.g. --speculate-after).</param>
    /// <param name="providerArgs">Added to each provider's command line (e.g. engine limits).</param>
    public static async Task<ProviderNetwork> StartAsync(SlowModel model, int providers, string[]? coordinatorArgs = null, string[]? providerArgs = null)
    {
        var network = new ProviderNetwork();
        try
        {
            await network.StartAsync(model.Path, providers, coordinatorArgs ?? [], providerArgs ?? []);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(string model, int providers, string[] coordinatorArgs, string[] providerArgs)
    {
        using (var keys = UmbraProcess.Start(_home, "keys", "create", "--data-dir", _data.Path, "--name", "network"))
            ApiKey = (await keys.WaitForExitAsync(StartTimeout)).AssertSuccess().Stdout.TrimEnd().Split('\n')[^1];
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);

        Coordinator = Start(["coordinator", "--port", "0", "--data-dir", _data.Path, "--rate-limit", "1000", "--burst", "1000", "--provider-token", ProviderToken, "--verbose", .. coordinatorArgs]);
        var match = await Coordinator.WaitForLineAsync(CoordinatorLine(), StartTimeout);
        Endpoint = match.Groups["url"].Value;
        Http.BaseAddress = new Uri(Endpoint + "/");

        var started = Enumerable.Range(1, providers)
            .Select(i => Start(["provider", "--coordinator", match.Groups["hub"].Value, "--model", model, "--model-id", ModelId, "--data-dir", _data.File($"p{i}"), "--token", ProviderToken, "--verbose", .. providerArgs]))
            .ToList();
        foreach (var provider in started)
            _providers[(await provider.WaitForLineAsync(ProviderLine(), StartTimeout)).Groups["id"].Value] = provider;
        await EventuallyAsync(async () => (await ListAsync()).Count == providers, "the providers to register", StartTimeout);
    }

    private UmbraProcess Start(string[] args)
    {
        var p = UmbraProcess.Start(_home, args);
        _processes.Add(p);
        return p;
    }

    /// <summary>The coordinator's providers of the model (GET /models/slow/providers): id and requests in flight there.</summary>
    public async Task<List<(string Id, int InFlight)>> ListAsync()
    {
        using var response = await Http.GetAsync(new Uri($"{Endpoint}/models/{ModelId}/providers"));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return []; // no provider of the model yet
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("provider_id").GetString()!, e.TryGetProperty("in_flight", out var f) ? f.GetInt32() : 0))];
    }

    /// <summary>Waits until the coordinator counts nothing in flight on any provider.</summary>
    public Task WaitForNothingInFlightAsync() =>
        EventuallyAsync(async () => (await ListAsync()).All(p => p.InFlight == 0), "nothing in flight at the coordinator");

    /// <summary>A chat request for the model, greedy, so every provider gives the same answer to the same one.</summary>
    public static HttpRequestMessage ChatRequest(string prompt, int maxTokens, bool stream = true) =>
        new(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent(
                JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["model"] = ModelId,
                    ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = prompt } },
                    ["max_tokens"] = maxTokens,
                    ["temperature"] = 0,
                    ["stream"] = stream,
                }),
                Encoding.UTF8,
                "application/json"),
        };

    /// <summary>
    /// A client of its own, to walk away with: disposing it closes its connection at once (no draining of the
    /// rest of a response to keep the connection), as a client process that exits does.
    /// </summary>
    public HttpClient LeavingClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = new Uri(Endpoint + "/"), Timeout = Patience };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    public void Signal(string provider, int signal) => _providers[provider].Signal(signal);

    public void StopAll()
    {
        foreach (var id in _providers.Keys)
            Signal(id, PosixSignals.Stop);
    }

    /// <summary>Lets every provider still alive run on; for finally blocks, so no process stays stopped.</summary>
    public void ContinueAll()
    {
        foreach (var provider in _providers.Values)
        {
            try
            {
                if (!provider.HasExited) provider.Signal(PosixSignals.Continue);
            }
            catch (Win32Exception)
            {
                // It exited in between.
            }
        }
    }

    /// <summary>The first match of <paramref name="pattern"/> in the coordinator's log, waiting for it to be written.</summary>
    public async Task<Match> LoggedAsync(Regex pattern)
    {
        Match match = Match.Empty;
        await EventuallyAsync(() => Task.FromResult((match = pattern.Match(Coordinator.Stdout)).Success), $"the coordinator to log /{pattern}/");
        return match;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails, saying what was awaited, past the deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Gave up waiting for {what}.");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        Http.Dispose();
        _data.Dispose();
        _home.Dispose();
        return ValueTask.CompletedTask;
    }
}
