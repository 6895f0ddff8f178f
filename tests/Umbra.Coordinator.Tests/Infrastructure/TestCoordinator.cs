using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Routing;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>A real coordinator on Kestrel at 127.0.0.1:0 with a fresh SQLite store, every log line captured, and one API key.</summary>
internal sealed class TestCoordinator : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789";

    private readonly List<HttpClient> _clients = [];

    private TestCoordinator(WebApplication app, string directory, CapturingLoggerProvider logs)
    {
        App = app;
        Directory = directory;
        Logs = logs;
        BaseAddress = CoordinatorHost.BaseAddress(app);
    }

    public WebApplication App { get; }

    public string Directory { get; }

    public CapturingLoggerProvider Logs { get; }

    public Uri BaseAddress { get; }

    public Uri HubUri => new($"ws://{BaseAddress.Authority}/v1/providers/connect");

    public string ApiKey { get; private set; } = "";

    public ProviderRegistry Registry => App.Services.GetRequiredService<ProviderRegistry>();

    public static async Task<TestCoordinator> StartAsync(Action<CoordinatorOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "umbra-coordinator-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var options = new CoordinatorOptions
        {
            Address = System.Net.IPAddress.Loopback,
            Port = 0,
            DataDirectory = directory,
            AdminToken = AdminToken,
            RateLimitPerSecond = 1000,
            RateLimitBurst = 1000,
            // Most tests speak the hub protocol by hand (raw sockets) and do not attest; AttestationTests raise it.
            MinimumTrust = Umbra.Protocol.Attestation.TrustLevel.None,
        };
        configure?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        var app = CoordinatorHost.Build(options, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Trace);
            logging.AddProvider(logs);
        });
        await app.StartAsync();
        var coordinator = new TestCoordinator(app, directory, logs);
        var created = await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("tests", null, CancellationToken.None);
        coordinator.ApiKey = created.Secret;
        return coordinator;
    }

    /// <summary>A client that sends this coordinator's API key.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TestTimeouts.Request };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey ?? ApiKey);
        _clients.Add(client);
        return client;
    }

    /// <summary>Waits until the registry routes to <paramref name="count"/> providers.</summary>
    public async Task WaitForProvidersAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        while (Registry.Live().Count() != count)
            await Task.Delay(10, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open on some platforms; the temporary directory is cleaned eventually.
        }
    }
}
