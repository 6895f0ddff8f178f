using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

// The request side of a session: dispatch, serving on the handler, cancellation and the drain.
internal sealed partial class HubConnection
{
    /// <summary>
    /// Stops taking requests (the client's draining flag is already set), lets in-flight ones finish for up to
    /// <paramref name="drainTimeout"/>, cancels the rest, then closes the socket with a normal close status.
    /// <paramref name="cutShort"/> ends the wait for in-flight requests early.
    /// </summary>
    public async Task DrainAsync(Task receiveLoop, TimeSpan drainTimeout, TimeSpan closeTimeout, CancellationToken cutShort)
    {
        Task[] pending;
        lock (_gate)
            pending = [.. _inFlight.Values.Select(r => r.Done)];
        _logger.Draining(pending.Length);
        await AnnounceDrainAsync();
        var all = Task.WhenAll(pending);
        if (!all.IsCompleted)
        {
            try
            {
                await all.WaitAsync(drainTimeout, _time, cutShort);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                CancelRemaining();
                try
                {
                    // Not cut short: cancelled handlers get this long to report their end before the close.
                    await all.WaitAsync(closeTimeout, _time, CancellationToken.None);
                }
                catch (TimeoutException)
                {
                    _logger.HandlersIgnoredCancellation(InFlight);
                }
            }
        }
        await CloseAsync(receiveLoop, closeTimeout);
    }

    private void CancelRemaining()
    {
        InFlightRequest[] left;
        lock (_gate)
            left = [.. _inFlight.Values];
        _logger.DrainTimedOut(left.Length);
        foreach (var request in left)
            request.Cancel(HubCancelReason.Shutdown);
    }

    private async Task CloseAsync(Task receiveLoop, TimeSpan closeTimeout)
    {
        try
        {
            await _sendLock.WaitAsync(_lifetimeToken);
            try
            {
                if (!_closeSent)
                {
                    _closeSent = true;
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "provider draining", _lifetimeToken);
                }
            }
            finally
            {
                _sendLock.Release();
            }
            // The coordinator answers with its own close, which ends the receive loop.
            await receiveLoop.WaitAsync(closeTimeout, _time);
        }
        catch (TimeoutException)
        {
            _logger.CloseTimedOut();
            _socket.Abort();
            // Aborting fails the pending receive at once; observe that end rather than leave it unobserved.
            await receiveLoop.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The connection ended on its own while closing: it is closed either way.
        }
    }

    private async Task DispatchAsync(HubMessage message)
    {
        switch (message)
        {
            case RequestMessage request:
                await StartAsync(request);
                break;
            case CancelMessage cancel:
                CancelFromCoordinator("cancel", cancel.Handle);
                break;
            case ErrorMessage error:
                CancelFromCoordinator("error", error.Handle);
                break;
            case LoadMessage load when _handler is Engine.IModelLoader loader:
                // Off the receive loop: loading maps the weights and starts the engine.
                _ = LoadAsync(loader, load.Model);
                break;
            case ChallengeMessage challenge when _attestor != null:
                // Answered off the receive loop: a TPM quote takes a moment, and requests keep flowing meanwhile.
                _ = AnswerChallengeAsync(challenge);
                break;
            default:
                // Unknown types come from newer coordinators; known ones that make no sense here are ignored too.
                _logger.IgnoredMessage(TypeName(message));
                break;
        }
    }

    /// <summary>A heartbeat at once (it carries the draining flag), so the coordinator stops routing here before a request is refused.</summary>
    private async Task AnnounceDrainAsync()
    {
        try
        {
            await SendAsync(_buildHeartbeat(InFlight), _lifetimeToken);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going anyway; requests that still arrive are refused as draining.
        }
    }

    private async Task LoadAsync(Engine.IModelLoader loader, string model)
    {
        try
        {
            switch (await loader.LoadAsync(model, _lifetimeToken))
            {
                case true:
                    _logger.LoadedAhead(model);
                    break;
                case null:
                    _logger.LoadRefused(model);
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended while loading.
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ObjectDisposedException or Inference.Model.ModelLoadException or Inference.Gguf.GgufFormatException)
        {
            _logger.LoadFailed(model, e.GetType().Name, e.Message);
        }
    }

    private async Task StartAsync(RequestMessage request)
    {
        InFlightRequest? started = null;
        bool refused = false, duplicate = false;
        int count;
        // Under the same lock as the drain's snapshot: a request is either refused or counted in the drain.
        lock (_gate)
        {
            if (_isDraining())
                refused = true;
            else if (_inFlight.ContainsKey(request.Handle))
                duplicate = true;
            else
                _inFlight.Add(request.Handle, started = new InFlightRequest(request.Handle, _lifetimeToken));
            count = _inFlight.Count;
        }

        if (started is not null)
        {
            _logger.RequestReceived(request.Handle, count);
            _ = Task.Run(() => ServeAsync(request, started));
        }
        else if (duplicate)
        {
            _logger.DuplicateHandle(request.Handle);
        }
        else if (refused)
        {
            _logger.RefusedDraining(request.Handle);
            var refusal = new ErrorMessage
            {
                Handle = request.Handle,
                Code = HubErrorCodes.ProviderDraining,
                Message = "The provider is shutting down and takes no new requests.",
            };
            try
            {
                await SendAsync(refusal, _lifetimeToken);
            }
            catch (OperationCanceledException)
            {
                // The connection is going; the coordinator fails the request when it sees the close.
            }
        }
    }

    private async Task ServeAsync(RequestMessage request, InFlightRequest inFlight)
    {
        var response = new HubResponseWriter(this, request.Handle, inFlight.Token);
        try
        {
            await _handler.HandleAsync(request, response, inFlight.Token);
        }
        catch (OperationCanceledException) when (inFlight.Token.IsCancellationRequested)
        {
            // Cancelled as asked; SettleAsync decides what, if anything, the coordinator hears.
        }
        catch (Exception e)
        {
            _logger.HandlerFailed(request.Handle, e.GetType().Name);
        }

        var outcome = await SettleAsync(response, inFlight);
        lock (_gate)
        {
            if (_inFlight.TryGetValue(request.Handle, out var current) && current == inFlight)
                _inFlight.Remove(request.Handle);
        }
        inFlight.MarkDone();
        _logger.RequestFinished(request.Handle, outcome);
    }

    /// <summary>Makes sure the coordinator learns the request's fate when the handler did not tell it.</summary>
    private async Task<string> SettleAsync(HubResponseWriter response, InFlightRequest inFlight)
    {
        if (response.IsFinished)
            return "answered";
        if (_lifetimeToken.IsCancellationRequested)
            return "connection lost";
        switch (inFlight.Reason)
        {
            case HubCancelReason.Coordinator:
                return "cancelled by the coordinator";
            case HubCancelReason.Shutdown:
                await response.TryFailAsync(HubErrorCodes.ProviderShutdown, "The provider shut down before the request finished.");
                return "cut off by the drain timeout";
            default:
                await response.TryFailAsync(HubErrorCodes.ProviderError, "The provider failed to serve the request.");
                return "failed";
        }
    }

    private void CancelFromCoordinator(string messageType, string handle)
    {
        InFlightRequest? request;
        lock (_gate)
            _inFlight.TryGetValue(handle, out request);
        if (request is null)
        {
            _logger.UnknownHandle(messageType, handle);
            return;
        }
        if (messageType == "cancel")
            _logger.CancelledByCoordinator(handle);
        else
            _logger.FailedByCoordinator(handle);
        request.Cancel(HubCancelReason.Coordinator);
    }
}
