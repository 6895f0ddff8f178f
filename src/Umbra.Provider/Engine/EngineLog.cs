using Microsoft.Extensions.Logging;

namespace Umbra.Provider.Engine;

/// <summary>
/// What the provider logs about the requests it serves: handles, codes, counts and exception types. Never a
/// prompt, a completion, or an exception message, which may quote either.
/// </summary>
internal static partial class EngineLog
{
    [LoggerMessage(101, LogLevel.Information, "Request {Handle} refused: {Code}")]
    public static partial void Refused(this ILogger logger, string handle, string code);

    [LoggerMessage(102, LogLevel.Debug, "Request {Handle} not opened ({ErrorType})")]
    public static partial void NotOpened(this ILogger logger, string handle, string errorType);

    [LoggerMessage(103, LogLevel.Information, "Request {Handle} served: {PromptTokens} prompt and {CompletionTokens} completion tokens in {Chunks} sealed chunks")]
    public static partial void Served(this ILogger logger, string handle, int promptTokens, int completionTokens, ulong chunks);

    [LoggerMessage(104, LogLevel.Warning, "Request {Handle}: the local inference server answered HTTP {Status}")]
    public static partial void UpstreamStatus(this ILogger logger, string handle, int status);

    [LoggerMessage(105, LogLevel.Warning, "Request {Handle}: the local inference server failed ({ErrorType})")]
    public static partial void UpstreamFailed(this ILogger logger, string handle, string errorType);

    [LoggerMessage(106, LogLevel.Warning, "Model {Model} loaded, but its warm-up failed ({ErrorType}); it serves without it")]
    public static partial void WarmUpFailed(this ILogger logger, string model, string errorType);
}
