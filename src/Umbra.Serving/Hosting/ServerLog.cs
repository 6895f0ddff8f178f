using Microsoft.Extensions.Logging;

namespace Umbra.Serving.Hosting;

/// <summary>The server's log lines. None carries request content: only types and counts.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Request failed with an unexpected {ExceptionType}")]
    public static partial void Unexpected(ILogger logger, string exceptionType);
}
