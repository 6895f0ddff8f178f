using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Proxy;

/// <summary>
/// `umbra proxy`: a local OpenAI-compatible endpoint on loopback that seals every request with
/// <see cref="UmbraClient"/>, so any OpenAI client pointed at it is private end to end. Only this
/// process and the provider see the plaintext.
/// </summary>
public static class ProxyServer
{
    public const int MaxBodyBytes = 8 * 1024 * 1024;
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public static WebApplication Build(UmbraClient client, HttpClient coordinator, IPAddress address, int port, LogLevel logLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = MaxBodyBytes + 1;
        });
        var app = builder.Build();
        // A web page in the user's browser can reach loopback too: refuse other Host names (DNS rebinding) and
        // anything but JSON bodies (simple cross-site form posts), so a page cannot spend the user's key.
        app.Use(async (context, next) =>
        {
            string host = context.Request.Host.Host;
            if (host is not ("localhost" or "127.0.0.1" or "[::1]" or "::1"))
            {
                await WriteError(context, new ApiException(403, $"The sealing proxy answers only requests addressed to localhost, not '{host}'.", null, "forbidden_host")).ConfigureAwait(false);
                return;
            }
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
            {
                await WriteError(context, new ApiException(415, "Send the request as application/json.", null, "unsupported_media_type")).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        app.MapPost("/v1/chat/completions", (HttpContext c) => Relay(c, client, RequestEndpoints.ChatCompletions));
        app.MapPost("/v1/completions", (HttpContext c) => Relay(c, client, RequestEndpoints.Completions));
        app.MapGet("/v1/models", (HttpContext c) => PassThrough(c, coordinator, "v1/models"));
        app.MapGet("/health", () => TypedResults.Ok());
        return app;
    }

    private static async Task Relay(HttpContext context, UmbraClient client, string endpoint)
    {
        var ct = context.RequestAborted;
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteError(context, new ApiException(413, $"The request body exceeds the limit of {MaxBodyBytes} bytes.", null, "request_too_large")).ConfigureAwait(false);
            return;
        }
        bool stream = false;
        try
        {
            using var doc = JsonDocument.Parse(body);
            stream = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            await WriteError(context, new ApiException(400, "We could not parse the JSON body of your request. Send valid JSON.", null, "invalid_json")).ConfigureAwait(false);
            return;
        }

        context.Response.Headers["X-Umbra-Sealed-By"] = "client";
        bool started = false;
        try
        {
            await foreach (var payload in client.SendAsync(endpoint, body, ct).ConfigureAwait(false))
            {
                if (!stream)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.Body.WriteAsync(payload, ct).ConfigureAwait(false);
                    continue;
                }
                if (!started)
                {
                    context.Response.ContentType = "text/event-stream; charset=utf-8";
                    context.Response.Headers.CacheControl = "no-cache";
                    started = true;
                }
                await context.Response.Body.WriteAsync(DataPrefix, ct).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(payload, ct).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(EventEnd, ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
            if (stream)
                await context.Response.Body.WriteAsync(Done, ct).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await WriteError(context, e).ConfigureAwait(false);
        }
        catch (UmbraClientException e)
        {
            var error = new ApiException(e.Status is >= 400 and < 600 ? e.Status : 502, e.Message, null, e.Code, e.Status >= 500 ? "upstream_error" : "invalid_request_error");
            if (!context.Response.HasStarted)
            {
                await WriteError(context, error).ConfigureAwait(false);
            }
            else
            {
                // Mid-stream: say so in-band rather than cut the stream silently.
                await context.Response.Body.WriteAsync(DataPrefix, ct).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(error.ToBody(), OpenAiJson.Context.OpenAiErrorBody), ct).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(EventEnd, ct).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(Done, ct).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException e)
        {
            await WriteError(context, new ApiException(502, $"The coordinator could not be reached: {e.Message}", null, "coordinator_unreachable", "upstream_error")).ConfigureAwait(false);
        }
    }

    private static async Task PassThrough(HttpContext context, HttpClient coordinator, string path)
    {
        try
        {
            using var response = await coordinator.GetAsync(path, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            await WriteError(context, new ApiException(502, $"The coordinator could not be reached: {e.Message}", null, "coordinator_unreachable", "upstream_error")).ConfigureAwait(false);
        }
    }

    private static async Task WriteError(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(error.ToBody(), OpenAiJson.Context.OpenAiErrorBody), context.RequestAborted).ConfigureAwait(false);
    }
}
