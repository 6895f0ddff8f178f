using Microsoft.Extensions.Logging;

namespace Umbra.Coordinator.Hub;

/// <summary>Hub events: provider ids, handles, types and counts only; never envelopes, chunks or keys.</summary>
internal static partial class HubLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Provider {ProviderId} registered on connection {ConnectionId}: {ModelCount} models, {AcceptedKeys} of {OfferedKeys} keys accepted.")]
    public static partial void Registered(ILogger logger, string providerId, string connectionId, int modelCount, int acceptedKeys, int offeredKeys);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Provider {ProviderId} on connection {ConnectionId} left; {FailedRequests} requests in flight failed.")]
    public static partial void Left(ILogger logger, string providerId, string connectionId, int failedRequests);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Connection {ConnectionId} sent no register within {Timeout}; closing.")]
    public static partial void RegistrationTimedOut(ILogger logger, string connectionId, TimeSpan timeout);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: ignored a frame ({Reason}).")]
    public static partial void IgnoredFrame(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: ignored a message of unknown type.")]
    public static partial void UnknownMessage(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Provider {ProviderId} reconnected; its older connection {ConnectionId} is closed.")]
    public static partial void Replaced(ILogger logger, string providerId, string connectionId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Provider {ProviderId}: a register offered key {KeyId} that was refused ({Reason}).")]
    public static partial void KeyRefused(ILogger logger, string providerId, string keyId, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: the socket failed ({ErrorType}).")]
    public static partial void SocketFailed(ILogger logger, string connectionId, string errorType);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Handle {Handle} sent to provider {ProviderId}.")]
    public static partial void RequestSent(ILogger logger, string handle, string providerId);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Handle {Handle} cancelled on provider {ProviderId}: the client went away, or another provider answered first.")]
    public static partial void Cancelled(ILogger logger, string handle, string providerId);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Provider {ProviderId} is draining: no new requests go to it.")]
    public static partial void ProviderDraining(ILogger logger, string providerId);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Asked provider {ProviderId} to load model {Model} ahead of demand.")]
    public static partial void LoadRequested(ILogger logger, string model, string providerId);
}
