using System.Buffers.Text;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Hub;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>A real <see cref="ProviderHubClient"/> connected to a test coordinator, serving through <see cref="TestProviderHandler"/>.</summary>
internal sealed class TestProvider : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private bool _disposed;

    private TestProvider(string id, HpkePrivateKey key, ProviderHubClient client, TestProviderHandler handler)
    {
        Id = id;
        Key = key;
        Client = client;
        Handler = handler;
        _run = client.RunAsync(_stop.Token);
    }

    public string Id { get; }

    public HpkePrivateKey Key { get; }

    public HpkePublicKey PublicKey => Key.PublicKey;

    public ProviderHubClient Client { get; }

    public TestProviderHandler Handler { get; }

    public static async Task<TestProvider> StartAsync(TestCoordinator coordinator, string id, string model = "test-model", string? token = null,
        Func<HpkePrivateKey, IProviderAttestor>? attestor = null)
    {
        var key = HpkePrivateKey.Generate();
        var handler = new TestProviderHandler(id, key);
        var options = new ProviderHubOptions
        {
            HubUri = coordinator.HubUri,
            ProviderId = id,
            Models = [new ModelOffer(model, 4096)],
            Keys = [new InferenceKeyInfo(key.PublicKey.KeyId, Base64Url.EncodeToString(key.PublicKey.Export()), SealingSuites.Aes256GcmName)],
            Hardware = new HardwareInfo("test cpu", 2, 1L << 30),
            Token = token,
            Attestor = attestor?.Invoke(key),
        };
        var provider = new TestProvider(id, key, new ProviderHubClient(options, handler), handler);
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        while (!provider.Client.IsConnected)
            await Task.Delay(10, timeout.Token);
        return provider;
    }

    /// <summary>Stops at once: the socket is aborted with requests in flight, as when a provider's machine dies.</summary>
    public async Task KillAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await Client.DisposeAsync();
        await _run;
        _stop.Dispose();
        Key.Dispose();
    }
}
