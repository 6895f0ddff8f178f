using System.Net;
using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Attestation;

namespace Umbra.Coordinator.Hosting;

/// <summary>Everything <see cref="CoordinatorHost.Build"/> needs to start a coordinator; checked before the host is built.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>The address Kestrel listens on; loopback unless the operator opens it up.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 picks a free one (tests, `umbra up`).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Holds the default SQLite file (see <see cref="Store.StoreOptions.DataDirectory"/>).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>A SQLite path or connection string, or a PostgreSQL one (see <see cref="Store.StoreOptions.ConnectionString"/>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The bearer token the admin API (/admin/keys) requires; null or empty turns the admin API off.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// Whether ordinary OpenAI clients may send plaintext requests, which the coordinator seals on arrival. Off,
    /// only sealed requests are served and plaintext is refused with a pointer to the sealing client.
    /// </summary>
    public bool AllowPlainIngress { get; set; } = true;

    /// <summary>Requests per second each API key may sustain on the inference endpoints.</summary>
    public double RateLimitPerSecond { get; set; } = 10;

    /// <summary>How many requests an idle API key may send at once before the rate applies.</summary>
    public int RateLimitBurst { get; set; } = 20;

    /// <summary>The largest request body accepted on the inference endpoints, sealed or plain.</summary>
    public int MaxRequestBodyBytes { get; set; } = Protocol.Sealing.SealedRequestEnvelope.MaxSize;

    /// <summary>The heartbeat interval providers are told to use at registration.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a provider may go without a frame before it is no longer routed to (a few missed heartbeats).</summary>
    public TimeSpan ProviderTimeout { get; set; } = TimeSpan.FromSeconds(35);

    /// <summary>
    /// The shared secret providers present (<c>Authorization: Bearer</c>) to join the hub, at least 16 characters.
    /// Without it anyone who reaches the hub could register as a provider and be sent prompts, so it is required
    /// whenever <see cref="Address"/> is not a loopback address.
    /// </summary>
    public string? ProviderToken { get; set; }

    /// <summary>
    /// How long a provider has to say anything about a request it took (a long prompt, or requests queued before
    /// it, can take minutes on a slow machine). Past it the request fails with <c>provider_timeout</c>.
    /// </summary>
    public TimeSpan FirstEventTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a provider may take to produce its first event (content or completion) before a backup provider
    /// is started on the same request, the first of the two to answer serving it and the other being cancelled
    /// (docs/SCHEDULING.md, "Speculative dispatch"). Half of a 20 s time-to-first-token target by default;
    /// <see cref="TimeSpan.Zero"/> turns speculation off.
    /// </summary>
    public TimeSpan SpeculativeAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest silence between two events of one response before it fails with <c>provider_timeout</c>.</summary>
    public TimeSpan IdleEventTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a freshly connected socket has to send <c>register</c>.</summary>
    public TimeSpan RegistrationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The lowest trust level (docs/ATTESTATION.md) a provider must prove at its challenges to be routed to.
    /// <see cref="TrustLevel.None"/> also routes to providers that do not attest at all.
    /// </summary>
    public TrustLevel MinimumTrust { get; set; } = TrustLevel.SelfSigned;

    /// <summary>How often each provider is challenged for a fresh bundle (it is also challenged at registration).</summary>
    public TimeSpan ChallengeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a provider has to answer a challenge.</summary>
    public TimeSpan ChallengeDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Roots a TPM endorsement key certificate must chain to for <see cref="TrustLevel.HardwareCertified"/>.</summary>
    public X509Certificate2Collection TpmRoots { get; } = [];

    /// <summary>Roots an Apple device-attestation chain must reach for <see cref="TrustLevel.HardwareCertified"/>.</summary>
    public X509Certificate2Collection AppleRoots { get; } = [];

    /// <summary>
    /// How long a request may wait in its model's queue while every provider is full, before it is answered 429
    /// (docs/SCHEDULING.md).
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Most requests waiting per model; past it, requests are answered 429 at once.</summary>
    public int MaxQueuedPerModel { get; set; } = 1000;

    internal Routing.SchedulerOptions Scheduling() => new() { QueueTimeout = QueueTimeout, MaxQueuedPerModel = MaxQueuedPerModel };

    /// <summary>The verification policy for one challenge's answer.</summary>
    internal VerificationPolicy VerificationPolicy(TimeProvider time, byte[] expectedNonce) => new()
    {
        TimeProvider = time,
        ExpectedNonce = expectedNonce,
        TpmRoots = TpmRoots,
        AppleRoots = AppleRoots,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming every problem found.</summary>
    public void Validate()
    {
        var problems = CoordinatorOptionsValidator.Problems(this);
        if (problems.Count > 0)
            throw new ArgumentException("Invalid coordinator options: " + string.Join(" ", problems));
    }
}
