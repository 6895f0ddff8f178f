namespace Umbra.Provider.Hub;

/// <summary>A connection attempt that failed for a reason worth retrying: no or a refused registration, an early close.</summary>
internal sealed class HubConnectionException : Exception
{
    public HubConnectionException()
    {
    }

    public HubConnectionException(string message) : base(message)
    {
    }

    public HubConnectionException(string message, Exception inner) : base(message, inner)
    {
    }
}
