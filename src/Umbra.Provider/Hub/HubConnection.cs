using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>
/// One WebSocket session with the coordinator: registration, the receive loop that dispatches requests, the
/// heartbeat, serialized sends, and the graceful close of a drain. A lost session is never revived; the
/// client opens a new one.
/// </summary>
internal sealed partial class HubConnection : IDisposable
{
    private readonly WebSocket _socket;
    private readonly HubFrameReader _reader;
    private readonly IHubRequestHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<bool> _isDraining;
    // A WebSocket allows one send at a time; chunks of concurrent requests, heartbeats and the close take turns.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime;
    // Kept apart from _lifetime so late senders can still observe it after the source is disposed.
    private readonly CancellationToken _lifetimeToken;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, InFlightRequest> _inFlight = new(StringComparer.Ordinal);
    private bool _closeSent;
    private Task _heartbeat = Task.CompletedTask;

    private readonly IProviderAttestor? _attestor;
    private readonly Func<int, HeartbeatMessage> _buildHeartbeat;

    public HubConnection(WebSocket socket, IHubRequestHandler handler, TimeProvider time, ILogger logger,
        Func<bool> isDraining, CancellationToken stopping, IProviderAttestor? attestor = null, Func<int, HeartbeatMessage>? heartbeat = null)
    {
        _buildHeartbeat = heartbeat ?? (running => new HeartbeatMessage { Running = running });
        _attestor = attestor;
        if (attestor != null)
            attestor.Changed += OnAttestorChanged;
        _socket = socket;
        _reader = new HubFrameReader(socket, HubCodec.MaxFrameBytes);
        _handler = handler;
        _time = time;
        _logger = logger;
        _isDraining = isDraining;
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _lifetimeToken = _lifetime.Token;
    }

    public int InFlight
    {
        get
        {
            lock (_gate)
                return _inFlight.Count;
        }
    }

    /// <summary>Sends register and waits for registered; throws <see cref="HubConnectionException"/> if refused or not answered in time.</summary>
    public async Task<RegisteredMessage> RegisterAsync(RegisterMessage register, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        try
        {
            await SendAsync(register, linked.Token);
            while (true)
            {
                var kind = await _reader.ReadAsync(linked.Token);
                if (kind == HubFrameKind.Close)
                {
                    await AnswerCloseAsync();
                    throw new HubConnectionException("The coordinator closed the connection before registering the provider.");
                }
                switch (kind == HubFrameKind.Text ? Parse() : IgnoreFrame(kind))
                {
                    case RegisteredMessage registered:
                        return registered;
                    case ErrorMessage:
                        throw new HubConnectionException("The coordinator refused the registration.");
                    case { } other:
                        // Requests cannot come before registration; anything else is for a later state or version.
                        _logger.IgnoredMessage(TypeName(other));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HubConnectionException($"The coordinator did not answer the registration within {timeout.TotalSeconds:0.###} s.");
        }
    }

    /// <summary>
    /// Starts heartbeats. The timer is created here, before the client reports itself connected, so the first
    /// heartbeat is due one interval after registration.
    /// </summary>
    public void StartHeartbeat(TimeSpan interval) => _heartbeat = HeartbeatLoopAsync(new PeriodicTimer(interval, _time));

    /// <summary>Receives until the connection ends; then cancels every request still in flight on it.</summary>
    public async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var kind = await _reader.ReadAsync(_lifetimeToken);
                if (kind == HubFrameKind.Close)
                {
                    if (await AnswerCloseAsync())
                        _logger.ClosedByCoordinator(_socket.CloseStatus?.ToString() ?? "no status");
                    return;
                }
                var message = kind == HubFrameKind.Text ? Parse() : IgnoreFrame(kind);
                if (message is not null)
                    await DispatchAsync(message);
            }
        }
        finally
        {
            Teardown();
        }
    }

    /// <summary>Sends one message. Throws <see cref="OperationCanceledException"/> if cancelled or if the connection is gone.</summary>
    public async Task SendAsync(HubMessage message, CancellationToken cancellationToken)
    {
        var frame = HubCodec.Write(message);
        await _sendLock.WaitAsync(cancellationToken);
        var lost = false;
        try
        {
            if (_closeSent || _lifetimeToken.IsCancellationRequested)
                throw new OperationCanceledException("The hub connection is closed.", _lifetimeToken);
            // Under the connection's token, not the caller's: cancelling a WebSocket send aborts the whole socket,
            // and one request's cancellation must not take the others down with it.
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _lifetimeToken);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            lost = true;
            throw new OperationCanceledException("The hub connection was lost.", e, _lifetimeToken);
        }
        finally
        {
            _sendLock.Release();
            if (lost)
                Teardown();
        }
    }

    /// <summary>Ends the session: in-flight requests are cancelled, the receive loop and heartbeat stop.</summary>
    public void Teardown()
    {
        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
    }

    /// <summary>Waits for the heartbeat loop to stop after <see cref="Teardown"/>.</summary>
    public Task HeartbeatStopped => _heartbeat;

    public void Dispose()
    {
        if (_attestor != null)
            _attestor.Changed -= OnAttestorChanged;
        Teardown();
        _lifetime.Dispose();
    }

    private async Task HeartbeatLoopAsync(PeriodicTimer timer)
    {
        using (timer)
        {
            try
            {
                while (await timer.WaitForNextTickAsync(_lifetimeToken))
                {
                    var heartbeat = _buildHeartbeat(InFlight);
                    await SendAsync(heartbeat, _lifetimeToken);
                    _logger.HeartbeatSent(heartbeat.Running, heartbeat.Waiting);
                }
            }
            catch (OperationCanceledException)
            {
                // The connection ended or closed; no more heartbeats on it.
            }
        }
    }

    /// <summary>Completes the close handshake the coordinator started; false if this side had started it.</summary>
    private async Task<bool> AnswerCloseAsync()
    {
        await _sendLock.WaitAsync(CancellationToken.None);
        try
        {
            if (_closeSent)
                return false;
            _closeSent = true;
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, _lifetimeToken);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The coordinator left without waiting for the answer: the connection is over either way.
        }
        finally
        {
            _sendLock.Release();
        }
        return true;
    }

    private HubMessage? Parse()
    {
        try
        {
            return HubCodec.Read(_reader.Payload);
        }
        catch (Exception e)
        {
            // The exception's message may quote the frame: only its kind is logged.
            _logger.MalformedFrame(e is HubProtocolException ? "not a valid hub message" : $"unreadable ({e.GetType().Name})", _reader.Length);
            return null;
        }
    }

    private HubMessage? IgnoreFrame(HubFrameKind kind)
    {
        _logger.MalformedFrame(kind == HubFrameKind.Binary ? "binary frame" : "over the size limit", _reader.Length);
        return null;
    }

    internal static string TypeName(HubMessage message) => message switch
    {
        RegisterMessage => "register",
        RegisteredMessage => "registered",
        HeartbeatMessage => "heartbeat",
        RequestMessage => "request",
        ChunkMessage => "chunk",
        CompleteMessage => "complete",
        ErrorMessage => "error",
        CancelMessage => "cancel",
        ChallengeMessage => "challenge",
        AttestationMessage => "attestation",
        LoadMessage => "load",
        _ => "unknown-type",
    };
}
