using Microsoft.Extensions.Logging;

namespace Umbra.Serving.Hosting;

/// <summary>The server's log lines. None carries request content: only types and counts.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Request failed with an unexpected {ExceptionType}")]
    public static partial void Unexpected(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Method} {Path} -> {Status} in {Milliseconds:F0} ms")]
    public static partial void Request(ILogger logger, string method, string path, int status, double milliseconds);
}
