using System.Threading.Channels;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;

namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>A <see cref="ProviderHubClient"/> running against a hub on a manual clock, with its states recorded in order.</summary>
internal sealed class HubClientHarness : IAsyncDisposable
{
    public static readonly TimeSpan RegistrationTimeout = TimeSpan.FromSeconds(9);
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(7);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromSeconds(30);

    private readonly Channel<HubConnectionState> _states = Channel.CreateUnbounded<HubConnectionState>();
    private readonly CancellationTokenSource _stop = new();

    private HubClientHarness(ProviderHubOptions options, IHubRequestHandler handler)
    {
        Options = options;
        Client = new ProviderHubClient(options, handler, Time, Log, new Random(1234));
        Client.StateChanged += (_, state) => _states.Writer.TryWrite(state);
        Run = Client.RunAsync(_stop.Token);
    }

    public ManualTimeProvider Time { get; } = new();

    public CapturingLogger Log { get; } = new();

    public ProviderHubOptions Options { get; }

    public ProviderHubClient Client { get; }

    public Task Run { get; }

    /// <summary>Options a test provider announces; the durations differ from each other so timers can be told apart.</summary>
    public static ProviderHubOptions DefaultOptions(Uri hubUri) => new()
    {
        HubUri = hubUri,
        ProviderId = "provider-test-1",
        Models = [new ModelOffer("stories-260k", 512), new ModelOffer("tinyllama-1.1b", 2048)],
        Keys =
        [
            new InferenceKeyInfo("key-1", "BPubKeyOne", "DHKEM(P-256)/HKDF-SHA256/AES-256-GCM"),
            new InferenceKeyInfo("key-2", "BPubKeyTwo", "DHKEM(P-256)/HKDF-SHA256/ChaCha20-Poly1305"),
        ],
        Hardware = new HardwareInfo("Test CPU 9000", 16, 64L << 30),
        HeartbeatInterval = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(11),
        RegistrationTimeout = RegistrationTimeout,
        ReconnectBackoffMin = TimeSpan.FromSeconds(1),
        ReconnectBackoffMax = BackoffMax,
        DrainTimeout = DrainTimeout,
        CloseTimeout = TimeSpan.FromSeconds(5),
    };

    public static HubClientHarness Start(Uri hubUri, IHubRequestHandler handler, Action<ProviderHubOptions>? configure = null)
    {
        var options = DefaultOptions(hubUri);
        configure?.Invoke(options);
        return new HubClientHarness(options, handler);
    }

    /// <summary>Reads recorded states, in order, until <paramref name="state"/> comes.</summary>
    public async Task WaitForStateAsync(HubConnectionState state)
    {
        while (await _states.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Signal) != state)
        {
        }
    }

    /// <summary>Cancels RunAsync's token: the hard stop.</summary>
    public void Stop() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Signal);
        await Run.WaitAsync(TestTimeouts.Signal);
        _stop.Dispose();
    }
}
