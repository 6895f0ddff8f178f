using System.CommandLine;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Hosting;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Cli.Commands;

/// <summary>
/// `umbra up`: a whole private network on this machine, on the embedded defaults: a coordinator (SQLite in
/// the data directory), one provider running the built-in engine on the given model (or a labelled
/// random-weight demo model), and a fresh API key to call it with.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Coordinator port (0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var dataDir = StoreArguments.DataDirectory();
        var model = new Option<FileInfo?>("--model", "-m") { Description = "A GGUF model to serve (default: a small random-weight demo model)" };
        var modelId = new Option<string?>("--model-id") { Description = "Model name clients use (default: the file name)" };
        var ctx = new Option<int?>("--ctx-size") { Description = "Context length (default: the model's, at most 4096)" };
        var verbose = new Option<bool>("--verbose") { Description = "Log requests (never their content)" };
        var kvTokens = ProviderCommand.KvTokensOption();
        var kvType = ProviderCommand.KvTypeOption();
        var maxSequences = ProviderCommand.MaxSequencesOption();
        var noWarmUp = WarmUp.NoWarmUpOption();

        var cmd = new Command("up", "Start a coordinator and a provider on this machine and print the endpoint and an API key")
        {
            port, dataDir, model, modelId, ctx, verbose, kvTokens, kvType, maxSequences, noWarmUp,
        };
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            string data = r.GetValue(dataDir)?.FullName ?? DemoModel.DataDirectory;
            var level = r.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning;
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(level));

            var modelFile = r.GetValue(model) ?? new FileInfo(DemoModel.EnsureExists());
            var providerDirectory = Path.Combine(data, "provider");
            using var trust = ProviderTrustSetup.Open("software", providerDirectory, null);
            var keyring = trust.Keyring;
            Func<IReadOnlyList<ModelCapacity>>? capacity = null;
            var (handler, offers, engine) = ProviderCommand.Engine(modelFile, r.GetValue(modelId), r.GetValue(ctx), null, keyring, loggers,
                ProviderCommand.EngineOptionsFrom(r.GetValue(kvTokens), r.GetValue(maxSequences), r.GetValue(kvType)), c => capacity = c);
            using var _ = engine;
            if (!r.GetValue(noWarmUp))
                WarmUp.Print(await engine.WarmUpAsync(ct).ConfigureAwait(false), engine.Id);

            // The in-process provider joins with a token made for this run; nothing else can join the hub.
            string providerToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            var options = new CoordinatorOptions { Address = IPAddress.Loopback, Port = r.GetValue(port), DataDirectory = data, ProviderToken = providerToken };
            var coordinator = CoordinatorHost.Build(options, logging => logging.SetMinimumLevel(level));
            await coordinator.StartAsync(ct).ConfigureAwait(false);
            var baseUrl = CoordinatorHost.BaseAddress(coordinator);
            var key = await coordinator.Services.GetRequiredService<ApiKeyService>().CreateAsync("umbra up", null, ct).ConfigureAwait(false);

            var hub = new Uri($"ws://{baseUrl.Authority}/v1/providers/connect");
            var providerId = ProviderIdentity.LoadOrCreateProviderId(providerDirectory);
            var hardware = HardwareProbe.Describe();
            var attestor = trust.CreateAttestor(providerId, handler, offers, new Dictionary<string, string> { [offers[0].Id] = modelFile.FullName }, hardware, TimeSpan.FromHours(1), loggers);
            var hubOptions = new ProviderHubOptions
            {
                HubUri = hub,
                ProviderId = providerId,
                Models = offers,
                Keys = keyring.Infos,
                Hardware = hardware,
                Attestor = attestor,
                Token = providerToken,
                Capacity = capacity,
            };
            await using var provider = new ProviderHubClient(hubOptions, handler, TimeProvider.System, loggers.CreateLogger<ProviderHubClient>());
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            provider.StateChanged += (_, state) =>
            {
                if (state == HubConnectionState.Connected) registered.TrySetResult();
            };
            var run = provider.RunAsync(CancellationToken.None);
            await registered.Task.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            await WaitUntilRoutableAsync(baseUrl, ct).ConfigureAwait(false);

            Console.WriteLine("Umbra is up on this machine: a coordinator and one provider.");
            Console.WriteLine($"  endpoint:  {baseUrl}v1   (OpenAI-compatible; GET {baseUrl}health answers when ready)");
            Console.WriteLine($"  model:     {string.Join(", ", offers.Select(o => o.Id))}{(r.GetValue(model) is null ? "   (random weights: its text is meaningless; pass --model M.gguf)" : "")}");
            Console.WriteLine($"  data:      {data}");
            Console.WriteLine($"Try: curl {baseUrl}v1/chat/completions -H 'Authorization: Bearer <key>' -H 'Content-Type: application/json' -d '{{\"model\":\"{offers[0].Id}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Hello\"}}]}}'");
            Console.WriteLine("Press Ctrl+C to stop. Your API key (shown once):");
            Console.WriteLine(key.Secret);

            await CommandHost.WaitForShutdownAsync(ct).ConfigureAwait(false);
            await provider.DrainAsync(CancellationToken.None).ConfigureAwait(false);
            await run.ConfigureAwait(false);
            await coordinator.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await coordinator.DisposeAsync().ConfigureAwait(false);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The provider is registered; it is routed to once it has answered its first challenge.</summary>
    private static async Task WaitUntilRoutableAsync(Uri baseUrl, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var list = await http.GetStringAsync(new Uri("v1/providers/attestation", UriKind.Relative), timeout.Token).ConfigureAwait(false);
            if (list.Contains("\"routable\":true", StringComparison.Ordinal))
                return;
            await Task.Delay(20, timeout.Token).ConfigureAwait(false);
        }
    }
}
