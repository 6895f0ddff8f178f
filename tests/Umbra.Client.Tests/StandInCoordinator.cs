using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Tests;

/// <summary>
/// A stand-in for the coordinator and one provider in a single Kestrel host, until the real coordinator
/// and provider run in these tests: it lists the provider's key, opens sealed requests with the provider's
/// private key exactly as a provider does, and answers with sealed chunks of a canned OpenAI response.
/// Hooks let a test tamper with what goes back, as a dishonest relay would.
/// </summary>
internal sealed class StandInCoordinator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RequestOpener _opener = new(new ReplayGuard());

    private StandInCoordinator(WebApplication app, HpkePrivateKey key)
    {
        _app = app;
        Key = key;
    }

    public HpkePrivateKey Key { get; }

    public Uri BaseAddress => new(_app.Urls.First() + "/");

    /// <summary>The key id the listing claims (a lying coordinator may claim another).</summary>
    public string? ListedKeyId { get; set; }

    /// <summary>Rewrites the sealed chunks before they are sent.</summary>
    public Func<List<byte[]>, List<byte[]>> Tamper { get; set; } = chunks => chunks;

    /// <summary>Every body the stand-in saw on the wire (to prove the prompt never crossed in clear).</summary>
    public List<byte[]> WireBodies { get; } = [];

    public string? LastAuthorization { get; private set; }

    public static async Task<StandInCoordinator> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new StandInCoordinator(app, HpkePrivateKey.Generate());
        app.MapGet("/v1/models/{model}/providers", (string model) => Results.Json(new
        {
            @object = "list",
            data = new[]
            {
                new
                {
                    provider_id = "stand-in-provider",
                    key_id = standIn.ListedKeyId ?? standIn.Key.PublicKey.KeyId,
                    public_key = Base64Url.EncodeToString(standIn.Key.PublicKey.Export()),
                    suite = SealingSuites.Aes256GcmName,
                    attestation = (object?)null,
                },
            },
        }));
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "stories", @object = "model", owned_by = "umbra" } } }));
        app.MapPost("/v1/chat/completions", standIn.Serve);
        app.MapPost("/v1/completions", standIn.Serve);
        await app.StartAsync();
        return standIn;
    }

    private async Task Serve(HttpContext context)
    {
        LastAuthorization = context.Request.Headers.Authorization.ToString();
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        WireBodies.Add(buffer.ToArray());
        if (context.Request.ContentType != UmbraClient.SealedContentType)
        {
            context.Response.StatusCode = 415;
            return;
        }
        var envelope = SealedRequestEnvelope.Parse(buffer.ToArray());
        using var request = _opener.Open(envelope, Key);
        using var body = JsonDocument.Parse(request.Body.ToArray());
        string prompt = body.RootElement.TryGetProperty("messages", out var m) ? m[0].GetProperty("content").GetString()! : body.RootElement.GetProperty("prompt").GetString()!;
        string answer = $"echo: {prompt}";

        var chunks = new List<byte[]>();
        if (request.Metadata.Stream)
        {
            var words = answer.Split(' ');
            for (int i = 0; i < words.Length; i++)
            {
                string delta = (i == 0 ? "" : " ") + words[i];
                bool last = i == words.Length - 1;
                string json = $$"""{"id":"c1","object":"chat.completion.chunk","created":1,"model":"stories","choices":[{"index":0,"delta":{"content":{{JsonSerializer.Serialize(delta)}}},"finish_reason":{{(last ? "\"stop\"" : "null")}}}]}""";
                chunks.Add(request.Response.Seal(Encoding.UTF8.GetBytes(json), final: last).ToUtf8Json());
            }
        }
        else
        {
            string json = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"stories\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + JsonSerializer.Serialize(answer) + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";
            chunks.Add(request.Response.Seal(Encoding.UTF8.GetBytes(json), final: true).ToUtf8Json());
        }
        chunks = Tamper(chunks);

        if (!request.Metadata.Stream)
        {
            context.Response.ContentType = UmbraClient.SealedContentType;
            await context.Response.Body.WriteAsync(chunks.Single());
            return;
        }
        context.Response.ContentType = "text/event-stream";
        foreach (var chunk in chunks)
            await context.Response.WriteAsync($"data: {Encoding.UTF8.GetString(chunk)}\n\n");
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Key.Dispose();
    }
}
