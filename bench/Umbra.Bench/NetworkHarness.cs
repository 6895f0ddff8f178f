using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Umbra.Client;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Hosting;
using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Engine;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Bench;

/// <summary>
/// Time to first token through the network against the engine called directly, on one machine: a coordinator
/// and a provider in this process, talking over loopback HTTP and WebSocket as they would across machines.
/// `dotnet run -c Release --project bench/Umbra.Bench -- network M.gguf [runs]`
/// </summary>
internal static class NetworkHarness
{
    private const string Prompt = """{"model":"bench","prompt":"Once upon a time","max_tokens":8,"temperature":0,"stream":true}""";

    public static async Task<int> RunAsync(string[] args)
    {
        string path = args[0];
        int runs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40;
        string data = Directory.CreateTempSubdirectory("umbra-bench-").FullName;
        try
        {
            using var model = LlamaModel.Load(path);
            using var engine = new EngineModel(model, "bench", 512);
            using var direct = new TextGenerator(model, 512);
            using var keyring = InferenceKeyring.Generate();
            var handler = new SealedEngineHandler([engine], keyring);

            var coordinator = CoordinatorHost.Build(new CoordinatorOptions { Address = IPAddress.Loopback, Port = 0, DataDirectory = data, RateLimitPerSecond = 10_000, RateLimitBurst = 10_000 });
            await coordinator.StartAsync();
            var baseUrl = CoordinatorHost.BaseAddress(coordinator);
            var key = await coordinator.Services.GetRequiredService<ApiKeyService>().CreateAsync("bench", null, CancellationToken.None);
            var options = new ProviderHubOptions { HubUri = new Uri($"ws://{baseUrl.Authority}/v1/providers/connect"), ProviderId = "bench-provider", Models = handler.Offers, Keys = keyring.Infos };
            await using var provider = new ProviderHubClient(options, handler);
            var connected = new TaskCompletionSource();
            provider.StateChanged += (_, s) => { if (s == HubConnectionState.Connected) connected.TrySetResult(); };
            var run = provider.RunAsync(CancellationToken.None);
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));

            using var http = new HttpClient { BaseAddress = baseUrl };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
            var client = new UmbraClient(http, new UmbraClientOptions { Coordinator = baseUrl, ApiKey = key.Secret, MaxRecipients = 1 });
            var prompt = PromptBuilder.ForCompletion(model, "Once upon a time");

            async Task<double> Direct()
            {
                var watch = Stopwatch.StartNew();
                await foreach (var u in direct.GenerateAsync(new GenerationRequest { PromptTokens = prompt, MaxTokens = 8, Sampling = SamplingOptions.Greedy }))
                    if (u.Text.Length > 0) return watch.Elapsed.TotalMilliseconds;
                return watch.Elapsed.TotalMilliseconds;
            }

            async Task<double> Plain()
            {
                var watch = Stopwatch.StartNew();
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new StringContent(Prompt, Encoding.UTF8, "application/json") };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                double first = -1;
                while (await reader.ReadLineAsync() is { } line)
                    if (first < 0 && line.StartsWith("data: {", StringComparison.Ordinal)) first = watch.Elapsed.TotalMilliseconds;
                return first;
            }

            async Task<double> Sealed()
            {
                var watch = Stopwatch.StartNew();
                double first = -1;
                await foreach (var _ in client.SendAsync(RequestEndpoints.Completions, Encoding.UTF8.GetBytes(Prompt)))
                    if (first < 0) first = watch.Elapsed.TotalMilliseconds;
                return first;
            }

            var results = new List<(string Name, List<double> Times)>();
            foreach (var (name, measure) in new (string, Func<Task<double>>)[] { ("engine directly", Direct), ("coordinator, plain ingress", Plain), ("coordinator, client-sealed", Sealed) })
            {
                for (int i = 0; i < 10; i++) await measure(); // warm-up: JIT, connections
                var times = new List<double>();
                for (int i = 0; i < runs; i++) times.Add(await measure());
                times.Sort();
                results.Add((name, times));
            }

            Console.WriteLine($"Time to first token, {runs} streamed completions each ({model.Id}, 5-token prompt):");
            Console.WriteLine("| path | p50 ms | p90 ms | added at p50 |");
            Console.WriteLine("|---|---:|---:|---:|");
            double baseline = results[0].Times[runs / 2];
            foreach (var (name, times) in results)
                Console.WriteLine($"| {name} | {times[runs / 2]:F2} | {times[runs * 9 / 10]:F2} | {times[runs / 2] - baseline:F2} |");

            await provider.DrainAsync(CancellationToken.None);
            await run;
            await coordinator.StopAsync();
            await coordinator.DisposeAsync();
            return 0;
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }
}
