using System.CommandLine;
using Microsoft.Extensions.Logging;
using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Protocol.Hub;
using Umbra.Provider.Engine;
using Umbra.Provider.Forwarding;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Cli.Commands;

/// <summary>
/// `umbra provider`: serve sealed requests from a coordinator, with the built-in engine or by forwarding to a
/// local OpenAI-compatible server. Runs until Ctrl+C or SIGTERM, then drains.
/// </summary>
internal static class ProviderCommand
{
    public static Command Create()
    {
        var coordinator = new Option<string>("--coordinator") { Description = "The coordinator's hub, e.g. ws://127.0.0.1:8080/v1/providers/connect", Required = true };
        var model = new Option<FileInfo?>("--model", "-m") { Description = "Path to a GGUF model for the built-in engine" };
        var id = new Option<string?>("--model-id") { Description = "Model name clients use (default: the file name, or --forward-model)" };
        var ctx = new Option<int?>("--ctx-size") { Description = "Context length (default: the model's, at most 4096)" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Where the provider id is kept (default: ~/.umbra/provider)" };
        var forwardTo = new Option<string?>("--forward-to") { Description = "Forward to a local OpenAI-compatible server instead, e.g. http://127.0.0.1:8081/v1 (loopback only)" };
        var forwardModel = new Option<string?>("--forward-model") { Description = "The model name the local server knows (with --forward-to)" };
        var token = new Option<string?>("--token") { Description = "The coordinator's provider token (default: UMBRA_PROVIDER_TOKEN)" };
        var verbose = new Option<bool>("--verbose") { Description = "Log each request (never its content)" };
        var keys = new Option<string>("--keys") { Description = "Where the identity and inference keys live: software (a key file in --data-dir), tpm, or secure-enclave (macOS)", DefaultValueFactory = _ => "software" };
        var tpm = new Option<string?>("--tpm") { Description = "With --keys tpm: the TPM device (default /dev/tpmrm0) or a swtpm server as host:port" };
        var kvTokens = KvTokensOption();
        var kvType = KvTypeOption();
        var maxSequences = MaxSequencesOption();
        var rotate = new Option<double>("--rotate-keys-minutes") { Description = "Rotate the inference key this often (0: never)", DefaultValueFactory = _ => 60 };
        var unload = new Option<double>("--unload-after-minutes")
        {
            Description = "Unload the model (unmap its weights, free its KV cache) after this long without requests; the next request, or the coordinator, loads it again (0: never)",
            DefaultValueFactory = _ => 60,
        };
        var noWarmUp = WarmUp.NoWarmUpOption();

        var cmd = new Command("provider", "Serve sealed requests from a coordinator (built-in engine, or forwarding to a local server)")
        {
            coordinator, model, id, ctx, dataDir, forwardTo, forwardModel, token, verbose, keys, tpm, rotate, kvTokens, kvType, maxSequences, unload, noWarmUp,
        };
        cmd.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            var hubUri = Url(r.GetValue(coordinator), "--coordinator", "ws:// or wss://", "ws", "wss");
            var unloadAfter = r.GetValue(unload);
            if (!double.IsFinite(unloadAfter) || unloadAfter < 0 || unloadAfter > 525_600)
                throw new ArgumentException($"--unload-after-minutes must be 0 (never) or a number of minutes up to a year; got {unloadAfter}.");
            if (r.GetValue(ctx) is int c)
                CliErrors.AtLeastOne(c, "--ctx-size");
            if (r.GetValue(forwardTo) != null)
                RefuseEngineOptions(r, kvTokens, kvType, maxSequences, unload, noWarmUp);
            string directory = r.GetValue(dataDir)?.FullName ?? Path.Combine(DemoModel.DataDirectory, "provider");
            string providerId = ProviderIdentity.LoadOrCreateProviderId(directory);
            using var trust = ProviderTrustSetup.Open(r.GetValue(keys)!, directory, r.GetValue(tpm));
            var keyring = trust.Keyring;
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(r.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning));

            Func<IReadOnlyList<ModelCapacity>>? capacity = null;
            var (handler, offers, cleanup) = r.GetValue(forwardTo) is { } forward
                ? Forwarding(Url(forward, "--forward-to", "http://", "http", "https"), r.GetValue(forwardModel), r.GetValue(id), r.GetValue(ctx), r.GetValue(model), keyring, loggerFactory)
                : Engine(r.GetValue(model), r.GetValue(id), r.GetValue(ctx), r.GetValue(forwardModel), keyring, loggerFactory, EngineOptionsFrom(r.GetValue(kvTokens), r.GetValue(maxSequences), r.GetValue(kvType)), c => capacity = c,
                    TimeSpan.FromMinutes(unloadAfter), !r.GetValue(noWarmUp));
            using (cleanup)
            {
                if (cleanup is EngineModel engine && !r.GetValue(noWarmUp))
                    WarmUp.Print(await engine.WarmUpAsync(ct).ConfigureAwait(false), engine.Id);
                var hardware = HardwareProbe.Describe();
                var files = r.GetValue(model) is { } file ? new Dictionary<string, string> { [offers[0].Id] = file.FullName } : [];
                var attestor = trust.CreateAttestor(providerId, handler, offers, files, hardware, TimeSpan.FromMinutes(r.GetValue(rotate)), loggerFactory);
                var options = new ProviderHubOptions { HubUri = hubUri, ProviderId = providerId, Models = offers, Keys = keyring.Infos, Hardware = hardware, Attestor = attestor, Token = r.GetValue(token) ?? Environment.GetEnvironmentVariable("UMBRA_PROVIDER_TOKEN"), Capacity = capacity };
                await using var client = new ProviderHubClient(options, handler, TimeProvider.System, loggerFactory.CreateLogger<ProviderHubClient>());
                Console.WriteLine($"Provider {providerId}: key {keyring.Infos[0].KeyId} ({trust.Keys.Kind} keys), serving {string.Join(", ", offers.Select(o => $"'{o.Id}' (context {o.ContextLength})"))}");
                Console.WriteLine($"Connecting to {hubUri}. Press Ctrl+C to drain and stop.");
                // Not under ct: Ctrl+C asks for a drain (in-flight requests finish), not an abrupt stop.
                var run = client.RunAsync(CancellationToken.None);
                await CommandHost.WaitForShutdownAsync(ct).ConfigureAwait(false);
                Console.WriteLine("Draining: finishing the requests in flight.");
                await client.DrainAsync(CancellationToken.None).ConfigureAwait(false);
                await run.ConfigureAwait(false);
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// With --forward-to the local server runs the model (its cache, its loading): the built-in engine's options, given
    /// explicitly, would be silently ignored, so they are refused by name.
    /// </summary>
    private static void RefuseEngineOptions(ParseResult r, params Option[] engineOnly)
    {
        var given = engineOnly.Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new ArgumentException($"{string.Join(", ", given)} {(given.Count == 1 ? "is" : "are")} for the built-in engine; with --forward-to the local server runs the model.");
    }

    private static Uri Url(string? text, string option, string kind, params string[] schemes) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme)
            ? uri
            : throw new ArgumentException($"{option} must be a {kind} URL; got '{text}'.");

    /// <summary>--kv-tokens: the KV cache budget shared by concurrent requests.</summary>
    internal static Option<int?> KvTokensOption() => new("--kv-tokens")
    {
        Description = "Tokens the KV cache holds for all concurrent requests, allocated once (default: twice the context); each request reserves its prompt plus max_tokens",
    };

    /// <summary>--kv-type: how the KV cache stores keys and values.</summary>
    internal static Option<string> KvTypeOption() => new("--kv-type")
    {
        Description = "How the KV cache stores keys and values: f16 (half the memory per token, and half what attention reads) or f32 (exact)",
        DefaultValueFactory = _ => "f16",
    };

    /// <summary>The value of --kv-type, or a message naming the choices.</summary>
    internal static KvCacheType ParseKvType(string? text) =>
        KvCacheTypes.TryParse(text, out var type) ? type : throw new ArgumentException($"--kv-type takes f16 or f32; got '{text}'.");

    /// <summary>--max-sequences: how many requests are decoded together in one step.</summary>
    internal static Option<int> MaxSequencesOption() => new("--max-sequences")
    {
        Description = "Most requests decoded together in one step",
        DefaultValueFactory = _ => 16,
    };

    internal static Func<int, EngineOptions> EngineOptionsFrom(int? kvTokens, int maxSequences, string? kvType = "f16")
    {
        if (kvTokens is int k)
            CliErrors.AtLeastOne(k, "--kv-tokens");
        CliErrors.AtLeastOne(maxSequences, "--max-sequences");
        var cacheType = ParseKvType(kvType);
        return context => new EngineOptions
        {
            TokenBudget = kvTokens ?? 2 * context, MaxSequences = maxSequences, StepTokens = Math.Max(128, maxSequences), KvCacheType = cacheType,
        };
    }

    internal static (IHubRequestHandler, IReadOnlyList<ModelOffer>, EngineModel) Engine(FileInfo? modelFile, string? id, int? ctx, string? forwardModel,
        InferenceKeyring keyring, ILoggerFactory loggers, Func<int, EngineOptions>? engineOptions = null, Action<Func<IReadOnlyList<ModelCapacity>>>? capacity = null,
        TimeSpan unloadAfter = default, bool warmUpOnLoad = false)
    {
        if (modelFile == null)
            throw new ArgumentException("--model is required (a GGUF file for the built-in engine), unless --forward-to names a local server.");
        if (forwardModel != null)
            throw new ArgumentException("--forward-model goes with --forward-to.");
        var engine = EngineModel.Open(modelFile.FullName, id, ctx, engineOptions, unloadAfter);
        var handler = new SealedEngineHandler([engine], keyring, loggers.CreateLogger<SealedEngineHandler>()) { WarmUpOnLoad = warmUpOnLoad };
        capacity?.Invoke(handler.Capacity);
        return (handler, handler.Offers, engine);
    }

    private static (IHubRequestHandler, IReadOnlyList<ModelOffer>, IDisposable) Forwarding(Uri upstream, string? forwardModel, string? id, int? ctx, FileInfo? modelFile,
        InferenceKeyring keyring, ILoggerFactory loggers)
    {
        if (modelFile != null)
            throw new ArgumentException("--model is for the built-in engine; with --forward-to the local server holds the model.");
        string name = id ?? forwardModel ?? throw new ArgumentException("--forward-to needs --forward-model (the local server's model name) or --model-id.");
        var handler = new ForwardingHandler(
            new ForwardingOptions { BaseUri = upstream, ModelId = name, UpstreamModel = forwardModel, ContextLength = ctx ?? 4096 },
            keyring, loggers.CreateLogger<ForwardingHandler>());
        return (handler, handler.Offers, handler);
    }
}
