using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

// The reconnect loop and one connection's life.
public sealed partial class ProviderHubClient
{
    private async Task ConnectLoopAsync(CancellationToken stop)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested && !_draining)
        {
            if (attempt++ > 0)
                Interlocked.Increment(ref _reconnects);
            if (await ServeConnectionAsync(stop))
                return;
            if (stop.IsCancellationRequested || _draining)
                return;

            var delay = _backoff.Next();
            _logger.Reconnecting((long)delay.TotalMilliseconds, attempt + 1);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop, _drainRequested.Token);
            // The delay's timer exists before the state says so: a test on a fake clock can advance at once.
            var delayed = Task.Delay(delay, _time, wait.Token);
            SetState(HubConnectionState.WaitingToReconnect);
            await delayed;
        }
    }

    /// <summary>One connection from dialling to its end; true if it ended in a completed drain.</summary>
    private async Task<bool> ServeConnectionAsync(CancellationToken stop)
    {
        SetState(HubConnectionState.Connecting);
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = _options.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = _options.KeepAliveTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : _options.KeepAliveTimeout;
        if (_options.Token is { Length: > 0 } token)
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        using var connection = new HubConnection(socket, _handler, _time, _logger, () => _draining, stop, _attestor, BuildHeartbeat);
        try
        {
            await ConnectAsync(socket, stop);
            SetState(HubConnectionState.Registering);
            using (var registering = CancellationTokenSource.CreateLinkedTokenSource(stop, _drainRequested.Token))
                await RegisterAsync(connection, registering.Token);

            var receive = connection.ReceiveLoopAsync();
            _connection = connection;
            SetState(HubConnectionState.Connected);
            if (await Task.WhenAny(receive, _drainSignal.Task) == receive)
            {
                await receive;
                return false;
            }

            SetState(HubConnectionState.Draining);
            using var cutShort = CancellationTokenSource.CreateLinkedTokenSource(stop, _drainCutShort.Token);
            await connection.DrainAsync(receive, _options.DrainTimeout, _options.CloseTimeout, cutShort.Token);
            _logger.Drained();
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || _draining)
        {
            throw;
        }
        catch (Exception e)
        {
            // Any other failure is worth another attempt after the backoff; the loop must survive it.
            _logger.ConnectionFailed(e.GetType().Name, e.Message);
            return false;
        }
        finally
        {
            _connection = null;
            connection.Teardown();
            await connection.HeartbeatStopped;
        }
    }

    private async Task ConnectAsync(ClientWebSocket socket, CancellationToken stop)
    {
        _logger.Connecting(_options.HubUri!.GetLeftPart(UriPartial.Path));
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _drainRequested.Token, timeout.Token);
        try
        {
            await socket.ConnectAsync(_options.HubUri, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stop.IsCancellationRequested && !_draining)
        {
            throw new HubConnectionException($"Connecting to the hub took longer than {_options.ConnectTimeout.TotalSeconds:0.###} s.");
        }
    }

    private async Task RegisterAsync(HubConnection connection, CancellationToken cancellationToken)
    {
        var register = _attestor == null ? _register : _register with
        {
            Keys = [.. _attestor.CurrentKeys],
            Attestation = await Task.Run(() => _attestor.Attest([]), cancellationToken),
        };
        var registered = await connection.RegisterAsync(register, _options.RegistrationTimeout, cancellationToken);
        // A coordinator may tune the heartbeat; a nonsensical value falls back to the configured one.
        var interval = registered.HeartbeatSeconds > 0 && registered.HeartbeatSeconds <= ProviderHubOptions.MaxDuration.TotalSeconds
            ? TimeSpan.FromSeconds(registered.HeartbeatSeconds)
            : _options.HeartbeatInterval;
        connection.StartHeartbeat(interval);
        _acceptedKeyIds = registered.AcceptedKeyIds;
        _backoff.Reset();
        Interlocked.Increment(ref _registrations);
        _logger.Registered(registered.AcceptedKeyIds.Count, register.Keys.Count, interval.TotalSeconds);
    }

    /// <summary>
    /// The heartbeat for this moment: the requests in flight, and with a capacity source each model's engine figures
    /// (waiting is then the engines' queues) and the machine's load. A source that fails leaves its part out rather
    /// than stopping heartbeats, which keep the provider routable.
    /// </summary>
    private HeartbeatMessage BuildHeartbeat(int inFlight)
    {
        IReadOnlyList<ModelCapacity>? models = null;
        MachineLoad? machine = null;
        try
        {
            models = _options.Capacity?.Invoke();
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The engine is shutting down; the next heartbeat (if any) tries again.
        }
        try
        {
            machine = _options.Capacity == null ? null : _options.MachineLoad();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort: an unreadable machine is reported as unknown.
        }
        return new HeartbeatMessage { Running = inFlight, Waiting = models?.Sum(m => m.Waiting) ?? 0, Models = models, Machine = machine, Draining = _draining ? true : null };
    }
}
