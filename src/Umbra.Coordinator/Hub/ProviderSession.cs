using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Hub;

/// <summary>
/// One provider's registered connection: what it announced, its load, and the requests in flight on it.
/// Sends are serialized (a WebSocket allows one at a time); the receive loop is <see cref="HubEndpoint"/>'s.
/// </summary>
internal sealed class ProviderSession : IDisposable
{
    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly ConcurrentDictionary<string, RelayRequest> _inFlight = new(StringComparer.Ordinal);
    private long _lastSeen;
    private long _assigned;
    private volatile int _running;
    private volatile int _waiting;
    private IReadOnlyList<ProviderKey> _keys;
    private bool _draining;
    private IReadOnlyList<ModelCapacity>? _reported;

    public ProviderSession(string connectionId, RegisterMessage register, IReadOnlyList<ProviderKey> keys, WebSocket socket, TimeProvider time, ILogger logger)
    {
        ConnectionId = connectionId;
        ProviderId = register.ProviderId;
        Models = register.Models.Select(m => m.Id).Distinct(StringComparer.Ordinal).ToArray();
        _keys = keys;
        Hardware = register.Hardware;
        _socket = socket;
        _time = time;
        _logger = logger;
        Touch();
    }

    public string ConnectionId { get; }

    public string ProviderId { get; }

    public IReadOnlyList<string> Models { get; }

    /// <summary>The keys clients can seal to: those announced at registration, then those of the last verified bundle.</summary>
    public IReadOnlyList<ProviderKey> Keys => Volatile.Read(ref _keys);

    /// <summary>What the provider has proven at its challenges.</summary>
    public Attestation.ProviderTrust Trust { get; } = new();

    /// <summary>Whether requests may go here: it passed its last challenge at or above <paramref name="minimum"/> (any provider when the minimum is none).</summary>
    public bool IsRoutable(Protocol.Attestation.TrustLevel minimum) =>
        minimum == Protocol.Attestation.TrustLevel.None || (Trust.Passing && Trust.Level >= minimum);

    /// <summary>
    /// Makes the keys of a verified bundle the ones clients seal to. Requests already sent under a retired key are
    /// unaffected: they travel under their handle, and the provider keeps the old key until they finish.
    /// </summary>
    public void ReplaceKeys(IReadOnlyList<Protocol.Attestation.InferenceKeyClaim> claims)
    {
        var keys = new List<ProviderKey>();
        foreach (var claim in claims)
        {
            if (Protocol.Sealing.HpkePublicKey.TryImport(claim.PublicKey, out var key)
                && string.Equals(key.KeyId, claim.KeyId, StringComparison.Ordinal)
                && Protocol.Sealing.SealingSuites.TryGetSuite(claim.Suite, out var suite)
                && !keys.Exists(k => k.KeyId == key.KeyId))
            {
                keys.Add(new ProviderKey(key.KeyId, System.Buffers.Text.Base64Url.EncodeToString(claim.PublicKey), claim.Suite, key, suite));
            }
        }
        Volatile.Write(ref _keys, keys);
    }

    public HardwareInfo? Hardware { get; }

    /// <summary>Requests this coordinator has sent and not yet seen end: the routing load.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Requests ever assigned here; breaks ties between equally loaded providers so work alternates.</summary>
    public long Assigned => Interlocked.Read(ref _assigned);

    /// <summary>What the provider's last heartbeat said.</summary>
    public int ReportedRunning => _running;

    public int ReportedWaiting => _waiting;

    public long LastSeenTimestamp => Interlocked.Read(ref _lastSeen);

    public bool Serves(string model) => Models.Contains(model, StringComparer.Ordinal);

    public ProviderKey? FindKey(string keyId) => Keys.FirstOrDefault(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal));

    public void Touch() => Interlocked.Exchange(ref _lastSeen, _time.GetTimestamp());

    /// <summary>Told of every heartbeat (the scheduler takes the capacity it reports).</summary>
    public Action<HeartbeatMessage>? HeartbeatReceived { get; set; }

    /// <summary>True once a heartbeat said the provider is draining: it gets no new requests (it closes when done).</summary>
    public bool IsDraining => Volatile.Read(ref _draining);

    /// <summary>Whether the provider's last heartbeat said <paramref name="model"/> is loaded; null when it has not said.</summary>
    public bool? IsLoaded(string model)
    {
        foreach (var m in Volatile.Read(ref _reported) ?? [])
        {
            if (string.Equals(m.Id, model, StringComparison.Ordinal))
                return m.Loaded ?? true;
        }
        return null;
    }

    public void OnHeartbeat(HeartbeatMessage heartbeat)
    {
        _running = Math.Max(0, heartbeat.Running);
        _waiting = Math.Max(0, heartbeat.Waiting);
        if (heartbeat.Draining == true && !_draining)
        {
            Volatile.Write(ref _draining, true);
            HubLog.ProviderDraining(_logger, ProviderId);
        }
        Volatile.Write(ref _reported, heartbeat.Models);
        HeartbeatReceived?.Invoke(heartbeat);
    }

    /// <summary>Records a new request under a fresh handle; its events arrive on the returned relay.</summary>
    public RelayRequest Begin()
    {
        var handle = "h_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var relay = new RelayRequest(handle, this);
        _inFlight[handle] = relay;
        Interlocked.Increment(ref _assigned);
        return relay;
    }

    /// <summary>Asks the provider to load <paramref name="model"/> ahead of demand (it answers with its next heartbeat).</summary>
    public async Task SendLoadAsync(string model, CancellationToken cancellationToken)
    {
        await SendAsync(new LoadMessage { Model = model }, cancellationToken);
        HubLog.LoadRequested(_logger, model, ProviderId);
    }

    public async Task SendRequestAsync(RelayRequest relay, System.Text.Json.JsonElement envelope, CancellationToken cancellationToken)
    {
        await SendAsync(new RequestMessage { Handle = relay.Handle, Envelope = envelope }, cancellationToken);
        HubLog.RequestSent(_logger, relay.Handle, ProviderId);
    }

    /// <summary>Ends the request on this side and tells the provider to stop; never throws.</summary>
    public async Task CancelAsync(RelayRequest relay)
    {
        if (!_inFlight.TryRemove(relay.Handle, out _))
            return;
        relay.End(RelayEvent.Failed("cancelled", "The request was cancelled."));
        HubLog.Cancelled(_logger, relay.Handle, ProviderId);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await SendAsync(new CancelMessage { Handle = relay.Handle }, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is going or gone; the provider cancels everything in flight when it notices.
        }
    }

    /// <summary>Routes one message from the provider to the request it names; unknown handles are ignored (a cancel crossed it).</summary>
    public void Dispatch(HubMessage message)
    {
        switch (message)
        {
            case HeartbeatMessage heartbeat:
                OnHeartbeat(heartbeat);
                break;
            case ChunkMessage chunk when _inFlight.TryGetValue(chunk.Handle, out var relay):
                relay.Post(RelayEvent.Chunk(System.Text.Encoding.UTF8.GetBytes(chunk.Chunk.GetRawText())));
                break;
            case CompleteMessage complete when _inFlight.TryRemove(complete.Handle, out var relay):
                relay.End(RelayEvent.Complete(complete.PromptTokens, complete.CompletionTokens) with { Receipt = complete.Receipt });
                break;
            case AttestationMessage attestation:
                Trust.OnAttestation(attestation);
                break;
            case ErrorMessage error when _inFlight.TryRemove(error.Handle, out var relay):
                relay.End(RelayEvent.Failed(error.Code, error.Message));
                break;
            default:
                break;
        }
    }

    /// <summary>Fails every request still in flight: the connection is gone, so their output can never arrive.</summary>
    public int FailAll(string code, string message)
    {
        var failed = 0;
        foreach (var handle in _inFlight.Keys)
        {
            if (_inFlight.TryRemove(handle, out var relay) && relay.End(RelayEvent.Failed(code, message)))
                failed++;
        }
        return failed;
    }

    public async Task SendAsync(HubMessage message, CancellationToken cancellationToken)
    {
        var frame = HubCodec.Write(message);
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Called once the connection is over; a send racing it fails with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _sendGate.Dispose();
        Trust.Dispose();
    }

    /// <summary>Drops the connection at once (a newer connection of the same provider replaced it).</summary>
    public void Abort() => _socket.Abort();
}
