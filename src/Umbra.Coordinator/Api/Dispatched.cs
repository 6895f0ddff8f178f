using Umbra.Coordinator.Hub;
using Umbra.Coordinator.Routing;

namespace Umbra.Coordinator.Api;

/// <summary>A request a provider has taken up, and the first thing it said about it (already read).</summary>
internal sealed record Dispatched(RelayRequest Relay, RelayEvent First, TimeSpan IdleTimeout)
{
    /// <summary>Gives the provider's room back to the scheduler, with how the request went (idempotent).</summary>
    public Action<LeaseOutcome>? OnFinished { get; init; }

    /// <summary>Every event of the request in order, the first included; ends after the terminal one.</summary>
    public async IAsyncEnumerable<RelayEvent> EventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (First.Kind != RelayEventKind.Chunk)
            Finish(First);
        yield return First;
        if (First.Kind != RelayEventKind.Chunk) yield break;
        while (true)
        {
            var next = await ReadWithin(Relay, IdleTimeout, cancellationToken);
            if (next.Kind != RelayEventKind.Chunk)
                Finish(next);
            yield return next;
            if (next.Kind != RelayEventKind.Chunk) yield break;
        }
    }

    /// <summary>Ends the request's lease: by its terminal event, or (null) without one, which says nothing of the provider.</summary>
    public void Finish(RelayEvent? terminal) => OnFinished?.Invoke(terminal == null ? LeaseOutcome.Released : ProviderErrors.Outcome(terminal));

    /// <summary>
    /// The request's next event, or a <c>provider_timeout</c> failure (and a cancel to the provider) when the
    /// provider stays silent for <paramref name="timeout"/>: a provider that keeps its socket alive but never
    /// answers must not hold a client forever.
    /// </summary>
    public static async Task<RelayEvent> ReadWithin(RelayRequest relay, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await relay.Events.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await relay.Provider.CancelAsync(relay);
            return RelayEvent.Failed("provider_timeout", $"The provider did not answer within {timeout.TotalSeconds:F0} s.");
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return RelayEvent.Failed("provider_disconnected", "The provider's relay closed without a final event.");
        }
    }
}
