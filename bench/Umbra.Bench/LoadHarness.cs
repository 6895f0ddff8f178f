using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Hosting;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Bench;

/// <summary>
/// An open-loop load generator against a real coordinator: Kestrel on loopback in this process, N real
/// <see cref="ProviderHubClient"/>s over the hub WebSocket, each answering with a <see cref="StandInEngine"/>
/// (a test double: a fixed time to first token, then a chunk every interval), and consumers sending streamed
/// plain chat completions at Poisson arrivals over HTTP.
/// `dotnet run -c Release --project bench/Umbra.Bench -- load [providers] [rate/s] [seconds] [ttft-ms] [itl-ms] [tokens] [slots]`
/// </summary>
internal static class LoadHarness
{
    private const string Model = "stand-in";

    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var result = await RunAsync(providers: Arg(0, 8), rate: Arg(1, 200), seconds: Arg(2, 20), ttftMs: Arg(3, 50), itlMs: Arg(4, 20), tokens: Arg(5, 16), slots: Arg(6, 8));
        return result.Lost == 0 && result.Duplicated == 0 && result.Mismatched == 0 ? 0 : 1;
    }

    internal sealed record Result(int Sent, int Completed, int Rejected, int Errors, int Lost, int Duplicated, int Mismatched);

    public static async Task<Result> RunAsync(int providers, int rate, int seconds, int ttftMs, int itlMs, int tokens, int slots)
    {
        string data = Directory.CreateTempSubdirectory("umbra-load-").FullName;
        try
        {
            var coordinator = CoordinatorHost.Build(new CoordinatorOptions
            {
                Address = IPAddress.Loopback, Port = 0, DataDirectory = data, MinimumTrust = TrustLevel.None,
                RateLimitPerSecond = 1_000_000, RateLimitBurst = 1_000_000, HeartbeatInterval = TimeSpan.FromSeconds(1),
                QueueTimeout = TimeSpan.FromSeconds(5),
            }, logging => logging.SetMinimumLevel(LogLevel.Warning));
            await coordinator.StartAsync();
            var baseUrl = CoordinatorHost.BaseAddress(coordinator);
            var key = await coordinator.Services.GetRequiredService<ApiKeyService>().CreateAsync("load", null, CancellationToken.None);

            var engines = new List<StandInEngine>();
            var clients = new List<ProviderHubClient>();
            var runs = new List<Task>();
            var keyrings = new List<InferenceKeyring>();
            using var stop = new CancellationTokenSource();
            for (var p = 0; p < providers; p++)
            {
                var keyring = InferenceKeyring.Generate();
                keyrings.Add(keyring);
                var engine = new StandInEngine(keyring, slots) { FirstToken = TimeSpan.FromMilliseconds(ttftMs), TokenInterval = TimeSpan.FromMilliseconds(itlMs), Tokens = tokens };
                engines.Add(engine);
                var options = new ProviderHubOptions
                {
                    HubUri = new Uri($"ws://{baseUrl.Authority}/v1/providers/connect"), ProviderId = $"stand-in-{p}",
                    Models = [new ModelOffer(Model, 4096)], Keys = keyring.Infos, Capacity = () => engine.Capacity(Model),
                };
                var client = new ProviderHubClient(options, engine);
                var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                client.StateChanged += (_, s) => { if (s == HubConnectionState.Connected) connected.TrySetResult(); };
                runs.Add(client.RunAsync(stop.Token));
                clients.Add(client);
                await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);

            var firstToken = new ConcurrentBag<double>();
            var interToken = new ConcurrentBag<double>();
            var total = new ConcurrentBag<double>();
            var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            int rejected = 0, errors = 0, mismatched = 0, completed = 0;

            async Task One(string id)
            {
                var body = $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"{{id}}"}],"max_tokens":{{tokens}},"stream":true}""";
                var watch = Stopwatch.StartNew();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests) { Interlocked.Increment(ref rejected); return; }
                    if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); return; }
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    double last = -1;
                    bool done = false, first = true;
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (line == "data: [DONE]") { done = true; break; }
                        if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
                        using var chunk = JsonDocument.Parse(line.AsMemory(6));
                        if (chunk.RootElement.TryGetProperty("error", out _)) { Interlocked.Increment(ref errors); return; }
                        var delta = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta");
                        if (!delta.TryGetProperty("content", out var content)) continue;
                        var now = watch.Elapsed.TotalMilliseconds;
                        if (first)
                        {
                            first = false;
                            firstToken.Add(now);
                            var echoed = content.GetString() ?? "";
                            if (echoed != id) Interlocked.Increment(ref mismatched);
                            received.AddOrUpdate(echoed, 1, (_, n) => n + 1);
                        }
                        else interToken.Add(now - last);
                        last = now;
                    }
                    if (!done) { Interlocked.Increment(ref errors); return; }
                    total.Add(watch.Elapsed.TotalMilliseconds);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
            }

            // Warm-up (JIT, connection pool), not counted.
            await Task.WhenAll(Enumerable.Range(0, Math.Min(200, rate)).Select(i => One($"warm-{i}")));
            firstToken.Clear(); interToken.Clear(); total.Clear(); received.Clear();
            rejected = errors = mismatched = completed = 0;
            var handlerBefore = engines.Select(e => e.HandlerMs.Count).ToArray();

            var random = new Random(42);
            var inflight = new List<Task>();
            var clock = Stopwatch.StartNew();
            double next = 0;
            var sent = 0;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            while (next < seconds)
            {
                var wait = next - clock.Elapsed.TotalSeconds;
                if (wait > 0.001) await Task.Delay(TimeSpan.FromSeconds(wait));
                inflight.Add(One($"req-{sent:D7}"));
                sent++;
                next += -Math.Log(1 - random.NextDouble()) / rate;
            }
            var sendSeconds = clock.Elapsed.TotalSeconds;
            await Task.WhenAll(inflight);
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

            var duplicated = received.Values.Count(n => n > 1);
            var lost = sent - rejected - errors - received.Count(kv => kv.Key.StartsWith("req-", StringComparison.Ordinal));
            var handler = engines.SelectMany((e, i) => e.HandlerMs.Skip(handlerBefore[i])).ToList();
            Console.WriteLine($"Load: {providers} stand-in providers (TTFT {ttftMs} ms, a chunk every {itlMs} ms, {tokens} tokens, {slots} slots each), Poisson arrivals at {rate}/s for {seconds} s");
            Console.WriteLine($"sent {sent} in {sendSeconds:F1} s ({sent / sendSeconds:F0}/s offered); completed {completed} ({completed / elapsed:F0}/s achieved over {elapsed:F1} s); " +
                $"429 {rejected} ({100.0 * rejected / sent:F2} %); errors {errors}; lost {lost}; duplicated {duplicated}; wrong id {mismatched}; process CPU {cpu / elapsed:F2} cores");
            Console.WriteLine("| measure | p50 ms | p90 ms | p99 ms | max ms |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            Row("time to first token (client)", firstToken);
            Row("inter-token latency (client)", interToken);
            Row("whole response (client)", total);
            Row("in the stand-in handler", handler);

            await stop.CancelAsync();
            foreach (var client in clients)
                await client.DisposeAsync();
            try { await Task.WhenAll(runs); } catch (OperationCanceledException) { }
            foreach (var keyring in keyrings) keyring.Dispose();
            await coordinator.StopAsync();
            await coordinator.DisposeAsync();
            return new Result(sent, completed, rejected, errors, lost, duplicated, mismatched);
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    internal static void Row(string name, IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) { Console.WriteLine($"| {name} | - | - | - | - |"); return; }
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {P(0.5):F2} | {P(0.9):F2} | {P(0.99):F2} | {sorted[^1]:F2} |"));
    }
}
