using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hosting;
using Umbra.Protocol.Attestation;

namespace Umbra.Cli.Commands;

/// <summary>`umbra coordinator`: the OpenAI-compatible API, the provider hub and the key store.</summary>
internal static class CoordinatorCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var dataDir = StoreArguments.DataDirectory();
        var connection = StoreArguments.ConnectionString();
        var adminToken = new Option<string?>("--admin-token") { Description = "Token for the /admin API, 16+ characters (default: UMBRA_ADMIN_TOKEN; none turns the admin API off)" };
        var providerToken = new Option<string?>("--provider-token") { Description = "Secret providers must present to join (default: UMBRA_PROVIDER_TOKEN; required beyond loopback)" };
        var noPlain = new Option<bool>("--no-plain-ingress") { Description = "Refuse requests that are not sealed by the client (umbra proxy)" };
        var rate = new Option<double>("--rate-limit") { Description = "Requests per second per API key", DefaultValueFactory = _ => 10 };
        var burst = new Option<int>("--burst") { Description = "Requests an API key may make at once above the rate", DefaultValueFactory = _ => 20 };
        var verbose = new Option<bool>("--verbose") { Description = "Log requests (never their content)" };
        var minTrust = new Option<string>("--min-trust") { Description = "Lowest trust level a provider must prove to be routed to: none, self_signed, hardware or hardware_certified", DefaultValueFactory = _ => "self_signed" };
        var challengeMinutes = new Option<double>("--challenge-interval") { Description = "Minutes between liveness challenges of each provider", DefaultValueFactory = _ => 5 };
        var tpmRoots = new Option<string[]>("--tpm-root") { Description = "PEM file of a TPM manufacturer root; an EK chaining to it earns hardware_certified (repeatable)", AllowMultipleArgumentsPerToken = false };
        var appleRoots = new Option<string[]>("--apple-root") { Description = "PEM file of an Apple attestation root (repeatable)" };
        var speculate = new Option<double>("--speculate-after") { Description = "Seconds without a first event before a backup provider starts the same request (0: never)", DefaultValueFactory = _ => 10 };
        var queueTimeout = new Option<double>("--queue-timeout") { Description = "Seconds a request may wait for a provider with room before it is answered 429", DefaultValueFactory = _ => 120 };

        var cmd = new Command("coordinator", "Run the coordinator: OpenAI-compatible API, provider hub, API keys")
        {
            host, port, dataDir, connection, adminToken, providerToken, noPlain, rate, burst, verbose, minTrust, challengeMinutes, tpmRoots, appleRoots, speculate, queueTimeout,
        };
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            var address = CommandHost.ParseHost(r.GetValue(host));
            var options = new CoordinatorOptions
            {
                Address = address,
                Port = r.GetValue(port),
                DataDirectory = r.GetValue(dataDir)?.FullName,
                ConnectionString = r.GetValue(connection) ?? Environment.GetEnvironmentVariable("UMBRA_STORE"),
                AdminToken = r.GetValue(adminToken) ?? Environment.GetEnvironmentVariable("UMBRA_ADMIN_TOKEN"),
                ProviderToken = r.GetValue(providerToken) ?? Environment.GetEnvironmentVariable("UMBRA_PROVIDER_TOKEN"),
                AllowPlainIngress = !r.GetValue(noPlain),
                RateLimitPerSecond = r.GetValue(rate),
                RateLimitBurst = r.GetValue(burst),
                MinimumTrust = TrustLevelNames.TryParse(r.GetValue(minTrust), out var level)
                    ? level
                    : throw new ArgumentException($"--min-trust must be none, self_signed, hardware or hardware_certified; got '{r.GetValue(minTrust)}'."),
                ChallengeInterval = r.GetValue(challengeMinutes) > 0
                    ? TimeSpan.FromMinutes(r.GetValue(challengeMinutes))
                    : throw new ArgumentException("--challenge-interval must be a positive number of minutes."),
                SpeculativeAfter = r.GetValue(speculate) >= 0
                    ? TimeSpan.FromSeconds(r.GetValue(speculate))
                    : throw new ArgumentException("--speculate-after must be 0 (never) or a number of seconds."),
                QueueTimeout = r.GetValue(queueTimeout) > 0
                    ? TimeSpan.FromSeconds(r.GetValue(queueTimeout))
                    : throw new ArgumentException("--queue-timeout must be a positive number of seconds."),
            };
            options.TpmRoots.AddRange(PemRoots.Load(r.GetValue(tpmRoots), "--tpm-root"));
            options.AppleRoots.AddRange(PemRoots.Load(r.GetValue(appleRoots), "--apple-root"));
            var app = CoordinatorHost.Build(options, logging => logging.SetMinimumLevel(r.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning));
            await app.StartAsync(ct).ConfigureAwait(false);
            var url = CoordinatorHost.BaseAddress(app);
            Console.WriteLine($"Coordinator at {url}v1 (providers connect to {url.AbsoluteUri.Replace("http", "ws", StringComparison.Ordinal)}v1/providers/connect)");
            if (string.IsNullOrEmpty(options.ProviderToken))
                Console.WriteLine("Warning: no --provider-token: any process on this machine can join as a provider.");
            Console.WriteLine(options.AllowPlainIngress ? "Plain OpenAI clients are accepted (sealed on arrival)." : "Only sealed requests are accepted.");
            Console.WriteLine($"Providers are challenged every {options.ChallengeInterval.TotalMinutes:0.##} min and routed to at trust level {options.MinimumTrust.ToWireName()} or above; see {url}v1/providers/attestation");
            await CommandHost.WaitForShutdownAsync(ct).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return 0;
        }));
        return cmd;
    }
}
