using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Routing;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;
using Umbra.Provider.Identity;

namespace Umbra.Bench;

/// <summary>
/// The coordinator's own limits: routing decisions per second (the scheduler alone, in a tight loop), added
/// latency with providers that answer at once, and memory per connected provider with thousands of hub
/// connections held open on loopback.
/// `dotnet run -c Release --project bench/Umbra.Bench -- fleet routing [providers...]`
/// `dotnet run -c Release --project bench/Umbra.Bench -- fleet latency [rate/s] [seconds]`
/// `dotnet run -c Release --project bench/Umbra.Bench -- fleet connections [count]` (raise `ulimit -n` first)
/// </summary>
internal static class FleetHarness
{
    private const string Model = "stand-in";
    private static readonly int[] Steps = [1000, 2500, 5000, 7500, 10_000, 15_000, 20_000];

    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "routing";
        int[] counts = args.Length > 1 ? [.. args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [];
        switch (mode)
        {
            case "routing":
                Console.WriteLine("| providers | reports | leases held | decisions/s | µs each | bytes allocated each |");
                Console.WriteLine("|---:|---|---:|---:|---:|---:|");
                foreach (var n in counts.Length > 0 ? counts : [10, 100, 1000, 10_000])
                {
                    Routing(n, reports: false);
                    Routing(n, reports: true);
                }
                return 0;
            case "latency":
                var r = await LoadHarness.RunAsync(providers: 4, rate: counts.Length > 0 ? counts[0] : 100, seconds: counts.Length > 1 ? counts[1] : 15,
                    ttftMs: 0, itlMs: 0, tokens: 4, slots: 64);
                return r.Lost == 0 && r.Duplicated == 0 ? 0 : 1;
            case "connections":
                return await ConnectionsAsync(counts.Length > 0 ? counts[0] : 10_000);
            default:
                Console.Error.WriteLine("fleet routing|latency|connections");
                return 2;
        }
    }

    /// <summary>Submit and complete through the real <see cref="Scheduler"/>, one thread, a ring of leases in flight.</summary>
    private static void Routing(int providers, bool reports)
    {
        var scheduler = new Scheduler(new SchedulerOptions(), TimeProvider.System, new Random(1));
        var ids = Enumerable.Range(0, providers).Select(i => $"provider-{i}").ToArray();
        foreach (var id in ids)
        {
            scheduler.Connected(id);
            if (reports)
                scheduler.Report(id, [new ModelCapacity { Id = Model, MaxSequences = 8, TokenBudget = 8 * 4096, PrefillTokensPerSecond = 500, DecodeTokensPerSecond = 80 }], null);
        }
        var work = new WorkItem(Model, 100, 256);
        var ring = new Lease?[Math.Min(providers * 4, 4096)];
        var random = new Random(2);
        IEnumerable<string> Candidates() => RandomRotation.Of(ids, random);
        long decisions = 0;
        var watch = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        while (watch.ElapsedMilliseconds < 2000)
        {
            for (var i = 0; i < 1000; i++, decisions++)
            {
                var slot = (int)(decisions % ring.Length);
                if (ring[slot] is { } old) scheduler.Complete(old, LeaseOutcome.Succeeded);
                var ticket = scheduler.Submit(work, Candidates);
                ring[slot] = ticket.Lease ?? throw new InvalidOperationException($"not admitted: {ticket.State} {ticket.Rejection}");
            }
        }
        var seconds = watch.Elapsed.TotalSeconds;
        var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {providers} | {(reports ? "capacity reports (cost model)" : "none (in-flight fallback)")} | {ring.Length} | {decisions / seconds:N0} | {1e6 * seconds / decisions:F2} | {bytes / decisions:N0} |"));
    }

    /// <summary>
    /// Opens <paramref name="count"/> hub WebSockets that register as providers (a minimal register frame, one
    /// fresh key each) against a coordinator in a child process, so its memory is its own; reports the child's
    /// managed heap and working set at steps, then routing decisions through the registry over the whole fleet.
    /// </summary>
    private static async Task<int> ConnectionsAsync(int count)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(FleetHarness).Assembly.Location);
        start.ArgumentList.Add("fleet-coordinator");
        using var child = Process.Start(start)!;
        var url = (await child.StandardOutput.ReadLineAsync())!["url ".Length..];
        async Task<string> Ask(string command)
        {
            await child.StandardInput.WriteLineAsync(command);
            await child.StandardInput.FlushAsync();
            return (await child.StandardOutput.ReadLineAsync())!;
        }
        var hub = new Uri($"ws://{new Uri(url).Authority}/v1/providers/connect");
        var sockets = new List<ClientWebSocket>(count);
        var receivers = new List<Task>(count);
        using var stop = new CancellationTokenSource();
        Console.WriteLine($"Coordinator in process {child.Id}; opening {count} provider connections to {hub}");
        Console.WriteLine("| connections | managed heap MiB | working set MiB | heap KiB/conn (vs 0) | working set KiB/conn (vs 0) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        double baseHeap = 0, baseWs = 0;
        void Line(int n, string mem)
        {
            var parts = mem.Split(' ');
            double heap = double.Parse(parts[1], CultureInfo.InvariantCulture), ws = double.Parse(parts[2], CultureInfo.InvariantCulture);
            if (n == 0) { baseHeap = heap; baseWs = ws; }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n} (registry {parts[3]}) | {heap / 1048576:F1} | {ws / 1048576:F1} | {(n == 0 ? "-" : ((heap - baseHeap) / 1024 / n).ToString("F1", CultureInfo.InvariantCulture))} | {(n == 0 ? "-" : ((ws - baseWs) / 1024 / n).ToString("F1", CultureInfo.InvariantCulture))} |"));
        }
        Line(0, await Ask("mem"));
        var steps = Steps.Where(s => s < count).Append(count).ToArray();
        var opened = 0;
        string? failure = null;
        var watch = Stopwatch.StartNew();
        foreach (var step in steps)
        {
            while (opened < step && failure == null)
            {
                var batch = Math.Min(100, step - opened);
                var tasks = Enumerable.Range(opened, batch).Select(i => Open(hub, i, stop.Token)).ToArray();
                try
                {
                    foreach (var (socket, receive) in await Task.WhenAll(tasks))
                    {
                        sockets.Add(socket);
                        receivers.Add(receive);
                    }
                    opened += batch;
                }
                catch (Exception e) when (e is WebSocketException or IOException or HubProtocolException or InvalidOperationException or TimeoutException)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                    foreach (var t in tasks.Where(t => t.IsCompletedSuccessfully)) { sockets.Add(t.Result.Socket); receivers.Add(t.Result.Receive); }
                    opened = sockets.Count;
                }
            }
            await Task.Delay(1000);
            Line(opened, await Ask("mem"));
            if (failure != null) break;
        }
        Console.WriteLine($"opened {opened} of {count} in {watch.Elapsed.TotalSeconds:F1} s{(failure != null ? $"; stopped: {failure}" : "")}");
        Console.WriteLine($"routing through the registry over {opened} connected providers: {await Ask("route")}");
        await Ask("quit");
        await stop.CancelAsync();
        foreach (var socket in sockets) socket.Abort();
        try { await Task.WhenAll(receivers); } catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        foreach (var socket in sockets) socket.Dispose();
        await child.WaitForExitAsync();
        return 0;
    }

    private static async Task<(ClientWebSocket Socket, Task Receive)> Open(Uri hub, int index, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(hub, timeout.Token);
            using var keyring = InferenceKeyring.Generate();
            var register = new RegisterMessage { ProviderId = $"fleet-{index}", Models = [new ModelOffer(Model, 4096)], Keys = keyring.Infos };
            await socket.SendAsync(HubCodec.Write(register), WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[4096];
            var first = await socket.ReceiveAsync(buffer, timeout.Token);
            if (HubCodec.Read(buffer.AsSpan(0, first.Count)) is not RegisteredMessage)
                throw new InvalidOperationException("the hub did not answer register with registered");
        }
        return (socket, Drain(socket, cancellationToken));
    }

    /// <summary>Reads and drops what the coordinator sends (challenges), which also answers its pings.</summary>
    private static async Task Drain(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
                if ((await socket.ReceiveAsync(buffer, cancellationToken)).MessageType == WebSocketMessageType.Close) return;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
    }

    /// <summary>The child process of `fleet connections`: a coordinator that reports its own memory when asked.</summary>
    public static async Task<int> HostAsync()
    {
        string data = Directory.CreateTempSubdirectory("umbra-fleet-").FullName;
        var coordinator = CoordinatorHost.Build(new CoordinatorOptions
        {
            Address = IPAddress.Loopback, Port = 0, DataDirectory = data, MinimumTrust = TrustLevel.None,
            RegistrationTimeout = TimeSpan.FromSeconds(60),
        }, logging => logging.SetMinimumLevel(LogLevel.Error));
        await coordinator.StartAsync();
        var registry = coordinator.Services.GetRequiredService<ProviderRegistry>();
        Console.WriteLine($"url {CoordinatorHost.BaseAddress(coordinator)}");
        while (Console.ReadLine() is { } command && command != "quit")
        {
            if (command == "mem")
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var me = Process.GetCurrentProcess();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mem {GC.GetTotalMemory(false)} {me.WorkingSet64} {registry.Connected().Count()}"));
            }
            else if (command == "route")
            {
                var work = new WorkItem(Model, 100, 256);
                long decisions = 0;
                var watch = Stopwatch.StartNew();
                while (watch.ElapsedMilliseconds < 3000)
                {
                    var route = await registry.AcquireAsync(work, null, null, CancellationToken.None);
                    if (route.Lease is not { } lease) { Console.WriteLine($"not routed: {route.Outcome}"); decisions = -1; break; }
                    registry.Scheduler.Complete(lease, LeaseOutcome.Succeeded);
                    decisions++;
                }
                if (decisions >= 0)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{decisions / watch.Elapsed.TotalSeconds:N0} AcquireAsync+Complete per second ({1e6 * watch.Elapsed.TotalSeconds / decisions:F1} µs each)"));
            }
            Console.Out.Flush();
        }
        await coordinator.StopAsync();
        await coordinator.DisposeAsync();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        return 0;
    }
}
