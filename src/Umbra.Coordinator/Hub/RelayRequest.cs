using System.Threading.Channels;

namespace Umbra.Coordinator.Hub;

/// <summary>
/// One request in flight on a provider's connection: the events the provider sends for its handle, in order,
/// ending with exactly one <see cref="RelayEventKind.Complete"/> or <see cref="RelayEventKind.Failed"/>.
/// </summary>
internal sealed class RelayRequest
{
    // Unbounded so one slow client cannot stall the provider's whole socket; a chunk is bounded in size and the
    // provider produces them at generation speed, so the backlog of one request stays modest.
    private readonly Channel<RelayEvent> _events = Channel.CreateUnbounded<RelayEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _ended;

    public RelayRequest(string handle, ProviderSession provider)
    {
        Handle = handle;
        Provider = provider;
    }

    public string Handle { get; }

    public ProviderSession Provider { get; }

    public ChannelReader<RelayEvent> Events => _events.Reader;

    /// <summary>Whether the terminal event has been posted (by the provider, a lost connection, or a cancel).</summary>
    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    public void Post(RelayEvent relayEvent)
    {
        if (!IsEnded)
            _events.Writer.TryWrite(relayEvent);
    }

    /// <summary>Posts the terminal event; false when the request had already ended.</summary>
    public bool End(RelayEvent terminal)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return false;
        _events.Writer.TryWrite(terminal);
        _events.Writer.TryComplete();
        return true;
    }
}
