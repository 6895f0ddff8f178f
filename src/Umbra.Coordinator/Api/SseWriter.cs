using Microsoft.AspNetCore.Http;

namespace Umbra.Coordinator.Api;

/// <summary>Writes server-sent events, flushing each so a stream stays live.</summary>
internal sealed class SseWriter(HttpResponse response)
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Suffix = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public bool Started => response.HasStarted;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(cancellationToken);
    }

    /// <summary>One event whose data is <paramref name="json"/> (a single line of JSON).</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Prefix, cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.Body.WriteAsync(Suffix, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>One named event (<c>event: name</c>) whose data is <paramref name="json"/>.</summary>
    public async Task WriteEventAsync(string name, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"event: {name}\n"), cancellationToken);
        await WriteAsync(json, cancellationToken);
    }

    /// <summary>A comment line (<c>: text</c>), which SSE clients ignore; it carries Umbra's receipt at the end of a stream.</summary>
    public async Task CommentAsync(string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes($": {text}\n\n"), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public async Task DoneAsync(CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Done, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
