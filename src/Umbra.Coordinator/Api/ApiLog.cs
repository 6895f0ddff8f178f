using Microsoft.Extensions.Logging;

namespace Umbra.Coordinator.Api;

/// <summary>API events: routing metadata, handles, statuses and counts; never bodies, envelopes, chunks or keys.</summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "{Method} {Path} -> {Status} in {Milliseconds:F1} ms")]
    public static partial void Request(ILogger logger, string method, string path, int status, double milliseconds);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unexpected failure ({ErrorType}) while serving {Path}.")]
    public static partial void Unexpected(ILogger logger, string errorType, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Handle {Handle}: {Ingress} {Endpoint} request for {Model} (stream {Stream}) routed to provider {ProviderId}.")]
    public static partial void Routed(ILogger logger, string handle, string ingress, string endpoint, string model, bool stream, string providerId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Handle {Handle}: completed, {Chunks} chunks, {PromptTokens} prompt and {CompletionTokens} completion tokens.")]
    public static partial void Completed(ILogger logger, string handle, int chunks, int promptTokens, int completionTokens);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Handle {Handle}: failed with {Code} after {Chunks} chunks.")]
    public static partial void Failed(ILogger logger, string handle, string code, int chunks);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Handle {Handle}: failing over to another provider after {Code}.")]
    public static partial void FailingOver(ILogger logger, string handle, string code);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Handle {Handle}: no first event after {Milliseconds:F0} ms; starting a backup on provider {ProviderId}.")]
    public static partial void Speculating(ILogger logger, string handle, double milliseconds, string providerId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Handle {Handle}: cancelled, handle {Winner} answered first.")]
    public static partial void SpeculationLost(ILogger logger, string handle, string winner);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Handle {Handle}: no first event yet and no provider has room for a backup; looking again every {Milliseconds:F0} ms.")]
    public static partial void NoBackupYet(ILogger logger, string handle, double milliseconds);
}
