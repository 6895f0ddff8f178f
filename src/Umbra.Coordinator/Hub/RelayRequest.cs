using System.Threading.Channels;

namespace Umbra.Coordinator.Hub;

/// <summary>
/// One request in flight on a provider's connection: the events the provider sends for its handle, in order,
/// ending with exactly one <see cref="RelayEventKind.Complete"/> or <see cref="RelayEventKind.Failed"/>.
/// </summary>
internal sealed class RelayRequest
{
    /// <summary>Events a request may have waiting for its client; a provider flooding past this fails the request.</summary>
    public const int MaxBacklog = 4096;

    // Unbounded so one slow client cannot stall the provider's whole socket, but watched: a provider that sends
    // faster than any generation would (or a client that stopped reading) cannot grow it past MaxBacklog.
    private readonly Channel<RelayEvent> _events = Channel.CreateUnbounded<RelayEvent>(new UnboundedChannelOptions { SingleWriter = true }); // not SingleReader: that variant cannot count its backlog
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
        if (IsEnded) return;
        if (_events.Reader.Count >= MaxBacklog)
        {
            End(RelayEvent.Failed("bad_provider_response", $"The provider sent more than {MaxBacklog} events that were not yet delivered."));
            return;
        }
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
