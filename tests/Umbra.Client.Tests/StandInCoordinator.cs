using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Tests;

/// <summary>
/// A stand-in for the coordinator and one provider in a single Kestrel host, until the real coordinator
/// and provider run in these tests: it lists the provider's key with the provider's self-signed attestation
/// bundle (made afresh per listing, as the coordinator's re-challenges keep it fresh), opens sealed requests with
/// the provider's private key exactly as a provider does, and answers with sealed chunks of a canned OpenAI
/// response. Hooks let a test lie in the listing or tamper with what goes back, as a dishonest relay would.
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

    public const string ProviderId = "stand-in-provider";

    public const string Model = "stories";

    /// <summary>The provider's inference key.</summary>
    public HpkePrivateKey Key { get; }

    /// <summary>The provider's identity key, which signs its bundles.</summary>
    public SoftwareAttestationSigner Identity { get; } = SoftwareAttestationSigner.Generate();

    /// <summary>A key of the coordinator's own, for a coordinator that lists it in the provider's place.</summary>
    public HpkePrivateKey CoordinatorKey { get; } = HpkePrivateKey.Generate();

    /// <summary>The key the listing offers (a lying coordinator may offer its own).</summary>
    public HpkePublicKey? ListedKey { get; set; }

    /// <summary>The provider id the listing names.</summary>
    public string ListedProviderId { get; set; } = ProviderId;

    /// <summary>The trust level the coordinator claims for the provider.</summary>
    public string ClaimedTrustLevel { get; set; } = "self_signed";

    /// <summary>The bundle the listing attaches; by default the provider's, made now. Returns null for no attestation.</summary>
    public Func<AttestationBundle?> Bundle { get; set; } = () => null;

    /// <summary>Replaces the listing's bundle object wholesale (for malformed JSON); null to use <see cref="Bundle"/>.</summary>
    public object? RawBundle { get; set; }

    /// <summary>How many times the listing was fetched.</summary>
    public int Listings { get; private set; }

    /// <summary>A bundle the honest provider makes now for its real key and model.</summary>
    public AttestationBundle HonestBundle(DateTimeOffset? at = null) =>
        TestBundles.Make(Identity, ProviderId, [Key.PublicKey], [Model], at ?? DateTimeOffset.UtcNow);

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
        standIn.Bundle = () => standIn.HonestBundle();
        app.MapGet("/v1/models/{model}/providers", (string model) => standIn.Listing());
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "stories", @object = "model", owned_by = "umbra" } } }));
        app.MapPost("/v1/chat/completions", standIn.Serve);
        app.MapPost("/v1/completions", standIn.Serve);
        await app.StartAsync();
        return standIn;
    }

    private IResult Listing()
    {
        Listings++;
        var key = ListedKey ?? Key.PublicKey;
        object? attestation = null;
        if (RawBundle is not null)
        {
            attestation = new { trust_level = ClaimedTrustLevel, bundle = RawBundle, bundle_hash = (string?)null };
        }
        else if (Bundle() is { } bundle)
        {
            attestation = new
            {
                trust_level = ClaimedTrustLevel,
                bundle = new { body = Base64Url.EncodeToString(bundle.Body), signature = Base64Url.EncodeToString(bundle.Signature) },
                bundle_hash = bundle.HashHex,
            };
        }
        return Results.Json(new
        {
            @object = "list",
            data = new[]
            {
                new
                {
                    provider_id = ListedProviderId,
                    key_id = ListedKeyId ?? key.KeyId,
                    public_key = Base64Url.EncodeToString(key.Export()),
                    suite = SealingSuites.Aes256GcmName,
                    in_flight = 0,
                    attestation,
                },
            },
        });
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
        // A coordinator that listed its own key can open what was sealed to it: that is the attack under test.
        using var request = _opener.Open(envelope, ListedKey is { } listed && listed.KeyId == CoordinatorKey.PublicKey.KeyId ? CoordinatorKey : Key);
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
        CoordinatorKey.Dispose();
        Identity.Dispose();
    }
}
