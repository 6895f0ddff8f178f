namespace Umbra.Provider.Engine;

/// <summary>A request refused with an error code; the message goes to the coordinator in clear, so it holds no content.</summary>
internal sealed class RequestRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
