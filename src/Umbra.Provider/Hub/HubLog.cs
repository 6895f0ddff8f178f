using Microsoft.Extensions.Logging;

namespace Umbra.Provider.Hub;

/// <summary>
/// The hub client's log events. They carry message types, handles, counts and connection facts only: never a
/// frame's contents, which hold sealed prompts and completions or whatever a hostile peer chose to send.
/// </summary>
internal static partial class HubLog
{
    [LoggerMessage(1, LogLevel.Information, "Connecting to the coordinator hub at {Endpoint}")]
    public static partial void Connecting(this ILogger logger, string endpoint);

    [LoggerMessage(2, LogLevel.Information, "Registered with the coordinator: {AcceptedKeys} of {OfferedKeys} keys accepted, heartbeat every {HeartbeatSeconds} s")]
    public static partial void Registered(this ILogger logger, int acceptedKeys, int offeredKeys, double heartbeatSeconds);

    // Connection-level failures come from the network stack or from this client; frame parsing errors, which
    // could quote a peer's bytes, are caught where frames are parsed and never reach here.
    [LoggerMessage(3, LogLevel.Warning, "Hub connection failed ({ErrorType}: {Reason})")]
    public static partial void ConnectionFailed(this ILogger logger, string errorType, string reason);

    [LoggerMessage(4, LogLevel.Information, "The coordinator closed the hub connection ({CloseStatus})")]
    public static partial void ClosedByCoordinator(this ILogger logger, string closeStatus);

    [LoggerMessage(5, LogLevel.Information, "Reconnecting in {DelayMs} ms (attempt {Attempt})")]
    public static partial void Reconnecting(this ILogger logger, long delayMs, int attempt);

    [LoggerMessage(6, LogLevel.Debug, "Request {Handle} received; {InFlight} in flight")]
    public static partial void RequestReceived(this ILogger logger, string handle, int inFlight);

    [LoggerMessage(7, LogLevel.Debug, "Request {Handle} finished ({Outcome})")]
    public static partial void RequestFinished(this ILogger logger, string handle, string outcome);

    [LoggerMessage(8, LogLevel.Information, "Request {Handle} cancelled by the coordinator")]
    public static partial void CancelledByCoordinator(this ILogger logger, string handle);

    [LoggerMessage(9, LogLevel.Information, "Request {Handle} refused: the provider is draining")]
    public static partial void RefusedDraining(this ILogger logger, string handle);

    [LoggerMessage(10, LogLevel.Warning, "Request {Handle} ignored: a request with that handle is already in flight")]
    public static partial void DuplicateHandle(this ILogger logger, string handle);

    [LoggerMessage(11, LogLevel.Debug, "A {MessageType} for request {Handle}, which is not in flight, was ignored")]
    public static partial void UnknownHandle(this ILogger logger, string messageType, string handle);

    [LoggerMessage(12, LogLevel.Warning, "The handler failed for request {Handle} ({ErrorType})")]
    public static partial void HandlerFailed(this ILogger logger, string handle, string errorType);

    [LoggerMessage(13, LogLevel.Warning, "Ignored a hub frame: {Problem} ({Length} bytes)")]
    public static partial void MalformedFrame(this ILogger logger, string problem, long length);

    [LoggerMessage(14, LogLevel.Debug, "Ignored a {MessageType} message from the coordinator")]
    public static partial void IgnoredMessage(this ILogger logger, string messageType);

    [LoggerMessage(15, LogLevel.Information, "Draining: {InFlight} requests in flight, new ones refused")]
    public static partial void Draining(this ILogger logger, int inFlight);

    [LoggerMessage(16, LogLevel.Warning, "Drain timeout: cancelling {Count} requests still running")]
    public static partial void DrainTimedOut(this ILogger logger, int count);

    [LoggerMessage(17, LogLevel.Information, "Drained; the hub connection is closed")]
    public static partial void Drained(this ILogger logger);

    [LoggerMessage(18, LogLevel.Trace, "Heartbeat: {Running} running, {Waiting} waiting")]
    public static partial void HeartbeatSent(this ILogger logger, int running, int waiting);

    [LoggerMessage(19, LogLevel.Warning, "{Count} handlers did not stop within the close timeout after being cancelled")]
    public static partial void HandlersIgnoredCancellation(this ILogger logger, int count);

    [LoggerMessage(20, LogLevel.Information, "The coordinator failed request {Handle}; stopping it")]
    public static partial void FailedByCoordinator(this ILogger logger, string handle);

    [LoggerMessage(21, LogLevel.Warning, "A StateChanged handler threw ({ErrorType}); the client carries on")]
    public static partial void StateHandlerFailed(this ILogger logger, string errorType);

    [LoggerMessage(22, LogLevel.Warning, "The coordinator did not answer the close within the close timeout; connection aborted")]
    public static partial void CloseTimedOut(this ILogger logger);

    [LoggerMessage(23, LogLevel.Warning, "Refused a challenge: {Reason}")]
    public static partial void ChallengeRefused(this ILogger logger, string reason);

    [LoggerMessage(24, LogLevel.Debug, "Answered the coordinator's challenge with a fresh bundle")]
    public static partial void ChallengeAnswered(this ILogger logger);

    [LoggerMessage(25, LogLevel.Error, "Could not make an attestation bundle ({ErrorType}): {Detail}")]
    public static partial void AttestationFailed(this ILogger logger, string errorType, string detail);

    [LoggerMessage(26, LogLevel.Information, "Loaded model '{Model}' ahead of demand, as the coordinator asked")]
    public static partial void LoadedAhead(this ILogger logger, string model);

    [LoggerMessage(27, LogLevel.Warning, "The coordinator asked to load model '{Model}', which this provider does not serve")]
    public static partial void LoadRefused(this ILogger logger, string model);

    [LoggerMessage(28, LogLevel.Error, "Could not load model '{Model}' ({ErrorType}): {Detail}")]
    public static partial void LoadFailed(this ILogger logger, string model, string errorType, string detail);
}
