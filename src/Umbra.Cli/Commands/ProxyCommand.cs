using System.CommandLine;
using System.Net;
using Umbra.Client;
using Umbra.Client.Proxy;
using Umbra.Protocol.Attestation;

namespace Umbra.Cli.Commands;

/// <summary>`umbra proxy`: a local OpenAI-compatible endpoint that seals every request end to end.</summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var coordinator = new Option<string>("--coordinator") { Description = "The coordinator's base URL", DefaultValueFactory = _ => "http://127.0.0.1:8080/" };
        var apiKey = new Option<string?>("--api-key") { Description = "Your API key (default: the UMBRA_API_KEY environment variable)" };
        var port = new Option<int>("--port") { Description = "Local port to listen on (0 picks a free one)", DefaultValueFactory = _ => 8090 };
        var recipients = new Option<int>("--recipients") { Description = "Providers each request is sealed to, for failover", DefaultValueFactory = _ => 3 };
        var minTrust = new Option<string>("--min-trust")
        {
            Description = $"The lowest trust level a provider must prove with its own bundle, checked here ({string.Join(", ", TrustLevelNames.All)})",
            DefaultValueFactory = _ => TrustLevelNames.SelfSigned,
        };
        var tpmRoots = new Option<string[]>("--tpm-root") { Description = "A TPM manufacturer root certificate (PEM file) for hardware_certified; repeatable", AllowMultipleArgumentsPerToken = false };
        var appleRoots = new Option<string[]>("--apple-root") { Description = "An Apple attestation root certificate (PEM file) for hardware_certified; repeatable", AllowMultipleArgumentsPerToken = false };

        var pins = new Option<string?>("--pins") { Description = "File of pinned provider identities (trust on first use for self_signed providers; default: ~/.umbra/proxy/identity-pins)" };
        var cmd = new Command("proxy", "Serve a local OpenAI-compatible endpoint on 127.0.0.1 that seals every request to the provider") { coordinator, apiKey, port, recipients, minTrust, tpmRoots, appleRoots, pins };
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            if (r.GetValue(port) is < 0 or > 65535)
                throw new ArgumentException($"--port must be between 0 and 65535; got {r.GetValue(port)}.");
            string text = r.GetValue(coordinator)!;
            if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--coordinator must be an http:// or https:// URL; got '{text}'.");
            using var http = new HttpClient { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
            string? key = r.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("UMBRA_API_KEY");
            if (key is { Length: > 0 }) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            if (!TrustLevelNames.TryParse(r.GetValue(minTrust), out var minimum))
                throw new ArgumentException($"--min-trust must be one of {string.Join(", ", TrustLevelNames.All)}; got '{r.GetValue(minTrust)}'.");
            var client = new UmbraClient(http, new UmbraClientOptions
            {
                Coordinator = baseUri,
                ApiKey = key,
                MaxRecipients = r.GetValue(recipients),
                MinimumTrust = minimum,
                TpmRoots = PemRoots.Load(r.GetValue(tpmRoots), "--tpm-root"),
                AppleRoots = PemRoots.Load(r.GetValue(appleRoots), "--apple-root"),
                IdentityPinsFile = r.GetValue(pins) ?? Path.Combine(DemoModel.DataDirectory, "proxy", "identity-pins"),
            });
            var app = ProxyServer.Build(client, http, IPAddress.Loopback, r.GetValue(port));
            await app.StartAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"Sealing proxy for {baseUri} at {app.Urls.First()}/v1 (point any OpenAI client here)");
            Console.WriteLine($"Sealing only to providers whose own bundle proves {minimum.ToWireName()} or better{(minimum == TrustLevel.None ? " (none: the coordinator's keys are taken on its word)" : "")}");
            await CommandHost.WaitForShutdownAsync(ct).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return 0;
        }));
        return cmd;
    }
}
