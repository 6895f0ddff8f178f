namespace Umbra.Protocol.Hub;

/// <summary>A hub frame that is not a valid message: not JSON, no type, or a known type missing a required field.</summary>
public sealed class HubProtocolException : Exception
{
    public HubProtocolException()
    {
    }

    public HubProtocolException(string message) : base(message)
    {
    }

    public HubProtocolException(string message, Exception inner) : base(message, inner)
    {
    }
}
