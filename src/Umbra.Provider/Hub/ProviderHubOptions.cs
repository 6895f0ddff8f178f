using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>How a provider reaches the coordinator's hub and what it announces there.</summary>
public sealed class ProviderHubOptions
{
    /// <summary>The longest any duration option may be: far beyond any sensible setting, well inside timer limits.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>The coordinator's hub endpoint, e.g. <c>wss://coordinator.example/v1/providers/connect</c>.</summary>
    public Uri? HubUri { get; set; }

    public string ProviderId { get; set; } = "";

    public IReadOnlyList<ModelOffer> Models { get; set; } = [];

    /// <summary>The inference public keys clients seal to; the coordinator answers with the ids it accepted.</summary>
    public IReadOnlyList<InferenceKeyInfo> Keys { get; set; } = [];

    public HardwareInfo? Hardware { get; set; }

    /// <summary>
    /// Answers the coordinator's challenges with signed bundles and supplies the current keys (overriding
    /// <see cref="Keys"/>). Without one the provider does not attest, and only a coordinator whose minimum trust
    /// level is none routes to it.
    /// </summary>
    public IProviderAttestor? Attestor { get; set; }

    /// <summary>The coordinator's provider token, sent as <c>Authorization: Bearer</c> when joining the hub.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Each served model's engine capacity, read at every heartbeat (see docs/SCHEDULING.md). Without it heartbeats
    /// carry only the count of requests in flight, and the coordinator schedules by its own count.
    /// </summary>
    public Func<IReadOnlyList<ModelCapacity>>? Capacity { get; set; }

    /// <summary>The machine's load for heartbeats; by default <see cref="MachineLoadProbe.Read()"/>.</summary>
    public Func<MachineLoad> MachineLoad { get; set; } = MachineLoadProbe.Read;

    /// <summary>Used only until the coordinator's <c>registered.heartbeat_seconds</c> says otherwise.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long opening the WebSocket may take before the attempt counts as failed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for <c>registered</c> after sending <c>register</c>.</summary>
    public TimeSpan RegistrationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The shortest wait before reconnecting, and the ceiling's starting point (see <see cref="ReconnectBackoff"/>).</summary>
    public TimeSpan ReconnectBackoffMin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before reconnecting, however many attempts have failed.</summary>
    public TimeSpan ReconnectBackoffMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a drain lets in-flight requests run before cancelling them.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for the coordinator to answer a close, or for cancelled handlers to stop.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// WebSocket ping interval and pong timeout (zero disables either). They catch a coordinator that vanished
    /// without closing the TCP connection, which heartbeats alone would notice only after TCP gives up.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Throws <see cref="ArgumentException"/> naming every problem found.</summary>
    public void Validate()
    {
        var problems = ProviderHubOptionsValidator.Problems(this);
        if (problems.Count > 0)
            throw new ArgumentException("Invalid provider hub options: " + string.Join(" ", problems));
    }
}
