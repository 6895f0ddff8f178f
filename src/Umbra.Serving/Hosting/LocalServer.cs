using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.OpenAi;

namespace Umbra.Serving.Hosting;

/// <summary>Builds the Kestrel host of `umbra serve`: one model, OpenAI-compatible, on loopback by default.</summary>
public static class LocalServer
{
    public static WebApplication Build(ServedModel model, IPAddress address, int port, LogLevel logLevel = LogLevel.Warning, Action<ILoggingBuilder>? configureLogging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        // A failure to start (port in use) reaches the caller as an exception; the host's own stack-trace dump would repeat it.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = OpenAiApi.MaxBodyBytes + 1;
        });
        builder.Services.AddSingleton(model);
        var app = builder.Build();

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Umbra.Serving");
        app.Use(async (context, next) =>
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; generation has already stopped.
            }
            catch (Exception e)
            {
                var error = ApiErrors.From(e);
                if (error.Status >= 500)
                    ServerLog.Unexpected(log, e.GetType().Name);
                await ApiErrors.WriteAsync(context, error).ConfigureAwait(false);
            }
            // Method, path and status only: request and response bodies never reach a log.
            if (log.IsEnabled(LogLevel.Information))
            {
                string method = context.Request.Method, path = context.Request.Path.Value ?? "";
                int status = context.Response.StatusCode;
                double ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                ServerLog.Request(log, method, path, status, ms);
            }
        });
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            await ApiErrors.WriteAsync(context, new ApiException(context.Response.StatusCode, ApiErrors.Status(context.Response.StatusCode), null,
                context.Response.StatusCode == 404 ? "not_found" : null)).ConfigureAwait(false);
        });
        app.MapOpenAiApi();
        app.MapGet("/health", () => TypedResults.Ok());
        return app;
    }

    /// <summary>The base URL a started host listens on (resolves port 0 to the real port).</summary>
    public static Uri BaseAddress(WebApplication app) => new(app.Urls.First());
}
