using Microsoft.Extensions.Logging;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>API key events, by key id only: never a key, nor its prefix, nor what was presented.</summary>
internal static partial class ApiKeyLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Created API key {KeyId}")]
    public static partial void Created(ILogger logger, Guid keyId);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Revoked API key {KeyId}")]
    public static partial void Revoked(ILogger logger, Guid keyId);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "Rejected a malformed API key")]
    public static partial void Malformed(ILogger logger);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Rejected an unknown API key")]
    public static partial void Unknown(ILogger logger);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Rejected revoked API key {KeyId}")]
    public static partial void RevokedUsed(ILogger logger, Guid keyId);
}
