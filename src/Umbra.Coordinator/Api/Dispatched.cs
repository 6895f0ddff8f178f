using Umbra.Coordinator.Hub;

namespace Umbra.Coordinator.Api;

/// <summary>A request a provider has taken up, and the first thing it said about it (already read).</summary>
internal sealed record Dispatched(RelayRequest Relay, RelayEvent First)
{
    /// <summary>Every event of the request in order, the first included; ends after the terminal one.</summary>
    public async IAsyncEnumerable<RelayEvent> EventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return First;
        await foreach (var next in Relay.Events.ReadAllAsync(cancellationToken))
            yield return next;
    }
}
