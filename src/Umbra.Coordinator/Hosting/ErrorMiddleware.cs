using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Api;

namespace Umbra.Coordinator.Hosting;

/// <summary>
/// Turns every failure into an OpenAI-shaped error and logs each request by method, path and status: request
/// and response bodies never reach a log, nor do exception messages, which could quote a body.
/// </summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its request has been cancelled at the provider.
        }
        catch (Exception e)
        {
            var error = ApiErrors.From(e);
            if (error.Status >= 500 && e is not Protocol.OpenAi.ApiException)
                ApiLog.Unexpected(logger, e.GetType().Name, context.Request.Path.Value ?? "");
            await ApiErrors.WriteAsync(context, error);
        }
        if (logger.IsEnabled(LogLevel.Information))
        {
            var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            ApiLog.Request(logger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode, milliseconds);
        }
    }
}
