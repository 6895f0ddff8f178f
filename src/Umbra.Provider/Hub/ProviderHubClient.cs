using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>
/// The provider's connection to the coordinator: dials the hub, registers, serves requests through an
/// <see cref="IHubRequestHandler"/>, sends heartbeats, and reconnects with backoff whenever the connection
/// fails or is lost. <see cref="DrainAsync"/> stops it gracefully. One client runs once.
/// </summary>
public sealed partial class ProviderHubClient : IAsyncDisposable
{
    private readonly ProviderHubOptions _options;
    private readonly IHubRequestHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReconnectBackoff _backoff;
    private readonly RegisterMessage _register;
    private readonly IProviderAttestor? _attestor;
    // Cancelled by DrainAsync: ends connecting, registering and backoff waits, which have nothing to drain.
    private readonly CancellationTokenSource _drainRequested = new();
    private readonly TaskCompletionSource _drainSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Cancelled when the caller of DrainAsync stops waiting: in-flight requests are cancelled at once.
    private readonly CancellationTokenSource _drainCutShort = new();
    // Cancelled by DisposeAsync: the same hard stop as cancelling RunAsync's token.
    private readonly CancellationTokenSource _disposing = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile HubConnectionState _state = HubConnectionState.Idle;
    private volatile HubConnection? _connection;
    private volatile IReadOnlyList<string> _acceptedKeyIds = [];
    private volatile bool _draining;
    private int _started;
    private long _registrations;
    private long _reconnects;

    public ProviderHubClient(ProviderHubOptions options, IHubRequestHandler handler, TimeProvider? timeProvider = null,
        ILogger<ProviderHubClient>? logger = null)
        : this(options, handler, timeProvider, logger, Random.Shared)
    {
    }

    internal ProviderHubClient(ProviderHubOptions options, IHubRequestHandler handler, TimeProvider? timeProvider,
        ILogger? logger, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        _options = options;
        _handler = handler;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _backoff = new ReconnectBackoff(options.ReconnectBackoffMin, options.ReconnectBackoffMax, random);
        _attestor = options.Attestor;
        // Built once; with an attestor the keys and bundle are filled in afresh at each registration.
        _register = new RegisterMessage
        {
            ProviderId = options.ProviderId,
            Models = [.. options.Models],
            Keys = [.. options.Keys],
            Hardware = options.Hardware,
        };
    }

    /// <summary>Raised on every state change, on the client's own task: handlers must be quick and must not block.</summary>
    public event EventHandler<HubConnectionState>? StateChanged;

    public HubConnectionState State => _state;

    /// <summary>Registered and serving (or draining what it serves).</summary>
    public bool IsConnected => _state is HubConnectionState.Connected or HubConnectionState.Draining;

    /// <summary>Successful registrations since the client started.</summary>
    public long Registrations => Interlocked.Read(ref _registrations);

    /// <summary>Connection attempts after the first.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Requests being served on the current connection.</summary>
    public int InFlight => _connection?.InFlight ?? 0;

    /// <summary>The key ids the coordinator accepted at the latest registration.</summary>
    public IReadOnlyList<string> AcceptedKeyIds => _acceptedKeyIds;

    /// <summary>
    /// Connects and serves until drained (<see cref="DrainAsync"/>) or stopped. Cancelling
    /// <paramref name="cancellationToken"/> stops at once: in-flight requests are cancelled and the socket is
    /// aborted. Returns normally either way.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("RunAsync can run only once per client.");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        try
        {
            await ConnectLoopAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || _draining)
        {
            // Stopped or drained while connecting or waiting: nothing in flight to look after.
        }
        finally
        {
            SetState(HubConnectionState.Stopped);
            _stopped.TrySetResult();
        }
    }

    /// <summary>
    /// Stops taking requests (new ones are answered with <see cref="HubErrorCodes.ProviderDraining"/>), lets the
    /// in-flight ones finish for up to <see cref="ProviderHubOptions.DrainTimeout"/>, cancels the rest, closes the
    /// connection normally, and completes when <see cref="RunAsync"/> has returned. Cancelling
    /// <paramref name="cancellationToken"/> cuts the wait short: in-flight requests are cancelled at once.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        _draining = true;
        _drainSignal.TrySetResult();
        await _drainRequested.CancelAsync();
        if (Volatile.Read(ref _started) == 0)
            return;
        using var cutShort = cancellationToken.Register(() => _drainCutShort.Cancel());
        await _stopped.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops at once (like cancelling RunAsync's token) and waits for RunAsync to return.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync();
        if (Volatile.Read(ref _started) != 0)
            await _stopped.Task;
        _disposing.Dispose();
        _drainRequested.Dispose();
        _drainCutShort.Dispose();
    }

    private void SetState(HubConnectionState state)
    {
        if (_state == state)
            return;
        _state = state;
        try
        {
            StateChanged?.Invoke(this, state);
        }
        catch (Exception e)
        {
            _logger.StateHandlerFailed(e.GetType().Name);
        }
    }
}
