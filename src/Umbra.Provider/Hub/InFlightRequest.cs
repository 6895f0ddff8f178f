namespace Umbra.Provider.Hub;

/// <summary>One request being served: its cancellation, why it was cancelled, and when it is done.</summary>
internal sealed class InFlightRequest : IDisposable
{
    // Not linked to the connection's source and never disposed: a CancellationTokenSource with no timer and no
    // links holds nothing to release, and never disposing it keeps a late cancel from racing a disposal.
    private readonly CancellationTokenSource _cancellation = new();
    private readonly CancellationTokenRegistration _onConnectionLost;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reason;

    public InFlightRequest(string handle, CancellationToken connectionLifetime)
    {
        Handle = handle;
        Token = _cancellation.Token;
        // Losing the connection cancels every request on it: nothing they send can be delivered any more.
        _onConnectionLost = connectionLifetime.UnsafeRegister(static state => ((InFlightRequest)state!).CancelInBackground(), this);
    }

    public string Handle { get; }

    public CancellationToken Token { get; }

    public HubCancelReason Reason => (HubCancelReason)Volatile.Read(ref _reason);

    /// <summary>Completes when the handler has returned and the request's terminal message is settled.</summary>
    public Task Done => _done.Task;

    /// <summary>Cancels the request; the first reason given is the one that counts.</summary>
    public void Cancel(HubCancelReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, (int)HubCancelReason.None);
        CancelInBackground();
    }

    public void MarkDone()
    {
        Dispose();
        _done.TrySetResult();
    }

    public void Dispose() => _onConnectionLost.Dispose();

    // The token flips at once; the handler's cancellation callbacks run on the thread pool, not on the caller,
    // which is the connection's receive loop and must not be held up by handler code.
    private void CancelInBackground() => _ = _cancellation.CancelAsync();
}
