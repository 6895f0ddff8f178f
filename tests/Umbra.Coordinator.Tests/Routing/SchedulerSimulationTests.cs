using Umbra.Coordinator.Routing;
using Umbra.Protocol.Hub;
using Xunit.Abstractions;

namespace Umbra.Coordinator.Tests.Routing;

/// <summary>
/// The scheduler over a simulated fleet of thousands of providers in simulated time: nothing lost or served
/// twice, queues bounded, 429s only under saturation, load spread fairly and by speed, failing providers
/// cooled down, disconnects failed over.
/// </summary>
public sealed class SchedulerSimulationTests(ITestOutputHelper output)
{
    private const int Fast = 1500;
    private const int Slow = 500;

    private static readonly SchedulerOptions Options = new() { MaxQueuedPerModel = 500, QueueTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public void A_fleet_of_thousands_serves_every_request_once_fairly_and_answers_429_only_when_saturated()
    {
        // 1500 providers decoding 100 tokens/s and 500 at 50, four sequences and 2048 tokens each (room for about six requests).
        var providers = Enumerable.Range(0, Fast + Slow)
            .Select(i => new SimProvider(i, prefillSpeed: i < Fast ? 1000 : 500, decodeSpeed: i < Fast ? 100 : 50, maxSequences: 4, tokenBudget: 2048))
            .ToList();
        var flaky = providers.Where((_, i) => i % 100 == 7).ToList();
        foreach (var p in flaky)
            p.FailureRate = 0.5;
        var sim = new FleetSimulator(providers, Options, seed: 1234);
        var random = new Random(99);
        WorkItem Work() => new(FleetSimulator.Model, PromptTokens: random.Next(100, 400), MaxTokens: random.Next(50, 150));

        // Fleet throughput: a request takes ~4 s alone on a fast provider (100 tokens shared by up to four),
        // so about 1500 + 500/2 = 1750 requests/s when full. Half of that first: no 429 allowed.
        sim.Run(20, rate: 800, Work, at =>
        {
            if (Math.Abs(at - 5) < 1e-6)
                providers.Where((_, i) => i % 50 == 3).ToList().ForEach(sim.Disconnect);
            if (Math.Abs(at - 12) < 1e-6)
                providers.Where(p => !p.Up).ToList().ForEach(sim.Reconnect);
        });
        var light = sim.Requests.Count;
        var lightRejected = sim.Requests.Count(r => r.Outcome == SimOutcome.TooManyRequests);
        var received = providers.Select(p => p.Received).ToArray();

        // Then three times what the fleet can do, for a few seconds: the queue fills and the excess gets 429.
        sim.Run(5, rate: 5000, Work);
        // Then nothing new, until everything has ended.
        sim.Run(Options.QueueTimeout.TotalSeconds + 10, rate: 0, Work);

        var requests = sim.Requests;
        output.WriteLine($"{requests.Count} requests: {Count(SimOutcome.Served)} served, {Count(SimOutcome.TooManyRequests)} 429, {Count(SimOutcome.Error)} errors; max queue {sim.MaxQueueSeen}");
        int Count(SimOutcome o) => requests.Count(r => r.Outcome == o);

        // Nothing lost, nothing ended twice, nothing still running.
        Assert.All(requests, r => Assert.Equal(1, r.Endings));
        Assert.All(requests, r => Assert.Equal(0, r.Running));
        Assert.Equal(requests.Count(r => r.Outcome == SimOutcome.Served), providers.Sum(p => p.Served));
        Assert.Equal(0, sim.Scheduler.QueueLength(FleetSimulator.Model));

        // Queues bounded; 429 only under saturation, each with a Retry-After.
        Assert.InRange(sim.MaxQueueSeen, 1, Options.MaxQueuedPerModel);
        Assert.Equal(0, lightRejected);
        Assert.True(Count(SimOutcome.TooManyRequests) > 0, "the overload got no 429");
        Assert.All(requests.Where(r => r.Outcome == SimOutcome.TooManyRequests), r => Assert.InRange(r.RetryAfter, TimeSpan.FromSeconds(1), Options.QueueTimeout));
        Assert.All(requests.Where(r => r.Outcome == SimOutcome.TooManyRequests), r => Assert.True(r.ArrivedAt >= 20 - 1e-6, $"429 at {r.ArrivedAt:F1} s, before the overload"));

        // Errors only from flaky or disconnected providers, and few: failover absorbs most.
        Assert.True(Count(SimOutcome.Error) < light / 100, $"{Count(SimOutcome.Error)} errors");

        // Spread in the light phase: no steady fast provider past twice its fair share; slow ones get less.
        var steadyFast = Enumerable.Range(0, Fast).Where(i => i % 50 != 3 && i % 100 != 7).Select(i => received[i]).ToArray();
        var steadySlow = Enumerable.Range(Fast, Slow).Where(i => i % 50 != 3 && i % 100 != 7).Select(i => received[i]).ToArray();
        var fastShare = steadyFast.Average();
        var slowShare = steadySlow.Average();
        output.WriteLine($"light phase: fast providers {fastShare:F1} requests each (max {steadyFast.Max()}), slow {slowShare:F1} (max {steadySlow.Max()})");
        Assert.True(steadyFast.Max() <= 2 * fastShare, $"a fast provider got {steadyFast.Max()} requests, fair share {fastShare:F1}");
        Assert.True(steadySlow.Max() <= 2 * Math.Max(slowShare, 1), $"a slow provider got {steadySlow.Max()} requests, fair share {slowShare:F1}");
        Assert.True(slowShare < 0.8 * fastShare, $"slow providers got {slowShare:F1} each against {fastShare:F1}");

        // Flaky providers were cooled down: they got far fewer requests than their steady peers.
        var flakyReceived = flaky.Where(p => int.Parse(p.Id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) < Fast).Average(p => p.Received);
        Assert.True(flakyReceived < fastShare / 2, $"flaky providers got {flakyReceived:F1} each against {fastShare:F1}");
    }

    [Fact]
    public void Admission_holds_to_the_reported_budget_minus_what_was_sent_since()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions(), time, new Random(1));
        scheduler.Report("a", [new ModelCapacity { Id = "m", TokenBudget = 1000, TokensUsed = 200, MaxSequences = 4, DecodeTokensPerSecond = 10, PrefillTokensPerSecond = 100 }], null);
        string[] only = ["a"];

        var first = scheduler.Submit(new WorkItem("m", 300, 200), () => only);
        var second = scheduler.Submit(new WorkItem("m", 100, 250), () => only);
        var third = scheduler.Submit(new WorkItem("m", 100, 400), () => only);

        Assert.Equal(TicketState.Admitted, first.State);
        Assert.Equal(TicketState.Queued, second.State);
        Assert.Equal(TicketState.Queued, third.State);

        // A report that counts the first request: still no room. Then it completes: room for one more.
        scheduler.Report("a", [new ModelCapacity { Id = "m", TokenBudget = 1000, TokensUsed = 700, MaxSequences = 4, Running = 2 }], null);
        Assert.Equal(TicketState.Queued, second.State);
        scheduler.Complete(first.Lease!, LeaseOutcome.Succeeded);
        Assert.Equal(TicketState.Admitted, second.State);
        Assert.Equal(TicketState.Queued, third.State);

        time.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal(1, scheduler.Expire());
        Assert.Equal((TicketState.Rejected, Rejection.Saturated), (third.State, third.Rejection));
        Assert.InRange(third.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void A_report_too_old_to_trust_is_forgotten_and_the_provider_routed_as_one_that_reports_nothing()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions(), time, new Random(1));
        var full = new ModelCapacity { Id = "m", TokenBudget = 1000, TokensUsed = 1000, MaxSequences = 4, Running = 4, DecodeTokensPerSecond = 10 };
        scheduler.Report("a", [full], null);
        string[] only = ["a"];

        // Fresh and full: the request waits.
        var waiting = scheduler.Submit(new WorkItem("m", 100, 100), () => only);
        Assert.Equal(TicketState.Queued, waiting.State);

        // Just inside the staleness limit the report still holds.
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(TicketState.Queued, scheduler.Submit(new WorkItem("m", 100, 100), () => only).State);

        // Past it, the report no longer counts: the next try admits the queued requests by requests in flight.
        time.Advance(TimeSpan.FromSeconds(2));
        var next = scheduler.Submit(new WorkItem("m", 100, 100), () => only);
        Assert.Equal(TicketState.Admitted, waiting.State);
        Assert.Equal(TicketState.Admitted, next.State);

        // A new heartbeat brings the budget back into force.
        scheduler.Report("a", [full], null);
        Assert.Equal(TicketState.Queued, scheduler.Submit(new WorkItem("m", 100, 100), () => only).State);
    }

    [Fact]
    public void A_provider_with_the_model_loaded_is_preferred_to_one_that_must_load_it_first()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions(), time, new Random(1));
        ModelCapacity Report(bool loaded) => new() { Id = "m", Loaded = loaded, TokenBudget = 100_000, MaxSequences = 16, DecodeTokensPerSecond = 50, PrefillTokensPerSecond = 500 };
        scheduler.Report("cold", [Report(loaded: false)], null);
        scheduler.Report("warm", [Report(loaded: true)], null);
        string[] both = ["cold", "warm"];

        // Equal speeds: the warm one takes requests until sharing its decode costs more than a cold start.
        var chosen = Enumerable.Range(0, 4).Select(_ => scheduler.Submit(new WorkItem("m", 100, 100), () => both).Lease!.ProviderId).ToList();
        Assert.All(chosen, id => Assert.Equal("warm", id));

        // Alone, a cold provider is still used: it loads the model on demand.
        Assert.Equal("cold", scheduler.Submit(new WorkItem("m", 100, 100), () => ["cold"]).Lease!.ProviderId);
    }

    [Fact]
    public void Tenants_take_turns_in_the_queue_so_one_tenants_burst_does_not_starve_another()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions(), time, new Random(1));
        // One sequence's worth of budget: one request at a time.
        scheduler.Report("a", [new ModelCapacity { Id = "m", TokenBudget = 200, MaxSequences = 1, DecodeTokensPerSecond = 10 }], null);
        string[] only = ["a"];
        Ticket Send(string tenant) => scheduler.Submit(new WorkItem("m", 100, 100, tenant), () => only);

        var running = Send("bulk");
        var burst = Enumerable.Range(0, 20).Select(_ => Send("bulk")).ToList();
        var late = Enumerable.Range(0, 3).Select(_ => Send("interactive")).ToList();
        var anonymous = Send(null!);
        Assert.Equal(TicketState.Admitted, running.State);
        Assert.Equal(24, scheduler.QueueLength("m"));

        // Each completion frees room for one: bulk, interactive and the tenant-less take turns.
        var waiting = burst.Concat(late).Append(anonymous).ToList();
        var order = new List<string>();
        var current = running;
        for (var i = 0; i < 9; i++)
        {
            scheduler.Complete(current.Lease!, LeaseOutcome.Succeeded);
            current = waiting.Single(t => t.State == TicketState.Admitted);
            waiting.Remove(current);
            order.Add(current.Work.Tenant ?? "none");
        }
        Assert.Equal(["bulk", "interactive", "none", "bulk", "interactive", "bulk", "interactive", "bulk", "bulk"], order);
        // Within a tenant, first come first served.
        Assert.Equal(TicketState.Admitted, burst[4].State);
        Assert.Equal(TicketState.Queued, burst[5].State);
        Assert.All(late, t => Assert.Equal(TicketState.Admitted, t.State));

        // Expiry still goes by arrival: the oldest waiting (bulk) go first.
        time.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal(15, scheduler.Expire());
        Assert.Equal(0, scheduler.QueueLength("m"));
    }

    [Fact]
    public void A_full_queue_is_answered_at_once_with_a_retry_after_from_the_drain_rate()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions { MaxQueuedPerModel = 2 }, time, new Random(1));
        scheduler.Report("a", [new ModelCapacity { Id = "m", TokenBudget = 100, MaxSequences = 1 }], null);
        string[] only = ["a"];
        var leases = new List<Lease>();
        for (var i = 0; i < 10; i++)
        {
            var t = scheduler.Submit(new WorkItem("m", 50, 50), () => only);
            leases.Add(t.Lease!);
            time.Advance(TimeSpan.FromSeconds(1));
            scheduler.Complete(t.Lease!, LeaseOutcome.Succeeded);
        }
        var busy = scheduler.Submit(new WorkItem("m", 50, 50), () => only);
        var queued = new[] { scheduler.Submit(new WorkItem("m", 50, 50), () => only), scheduler.Submit(new WorkItem("m", 50, 50), () => only) };
        var refused = scheduler.Submit(new WorkItem("m", 50, 50), () => only);

        Assert.Equal(TicketState.Admitted, busy.State);
        Assert.All(queued, q => Assert.Equal(TicketState.Queued, q.State));
        Assert.Equal((TicketState.Rejected, Rejection.Saturated), (refused.State, refused.Rejection));
        // About one admission a second: three ahead of a retry means about three seconds.
        Assert.InRange(refused.RetryAfter.TotalSeconds, 2, 5);
    }

    [Fact]
    public void Two_failures_within_a_minute_cool_a_provider_down_for_the_model_for_five_minutes()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions(), time, new Random(1));
        string[] both = ["a", "b"];
        var work = new WorkItem("m", 10, 10);

        // Without reports: fewest in flight, then fewest sent, so a and b alternate.
        var first = scheduler.Submit(work, () => ["a"]);
        scheduler.Complete(first.Lease!, LeaseOutcome.Failed);
        time.Advance(TimeSpan.FromSeconds(30));
        var second = scheduler.Submit(work, () => ["a"]);
        scheduler.Complete(second.Lease!, LeaseOutcome.Failed);
        Assert.True(scheduler.IsCoolingDown("a", "m"));

        for (var i = 0; i < 5; i++)
        {
            var t = scheduler.Submit(work, () => both);
            Assert.Equal("b", t.Lease!.ProviderId);
            scheduler.Complete(t.Lease, LeaseOutcome.Succeeded);
        }
        var onlyA = scheduler.Submit(work, () => ["a"]);
        Assert.Equal((TicketState.Rejected, Rejection.CoolingDown), (onlyA.State, onlyA.Rejection));
        Assert.InRange(onlyA.RetryAfter, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.Equal(TicketState.Admitted, scheduler.Submit(new WorkItem("other", 10, 10), () => ["a"]).State);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(scheduler.IsCoolingDown("a", "m"));
    }

    [Fact]
    public void Failures_far_apart_do_not_cool_a_provider_down()
    {
        var time = new Infrastructure.ManualTimeProvider();
        var scheduler = new Scheduler(new SchedulerOptions(), time, new Random(1));
        for (var i = 0; i < 3; i++)
        {
            scheduler.Complete(scheduler.Submit(new WorkItem("m", 10, 10), () => ["a"]).Lease!, LeaseOutcome.Failed);
            time.Advance(TimeSpan.FromSeconds(61));
        }
        Assert.False(scheduler.IsCoolingDown("a", "m"));
    }

    [Fact]
    public void Cost_prefers_the_faster_idle_provider_and_penalizes_heat_memory_and_a_cold_model()
    {
        var options = new SchedulerOptions();
        var work = new WorkItem("m", 500, 100);
        static ModelLoad Load(double decode, int running = 0)
        {
            var load = new ModelLoad();
            load.OnReport(new ModelCapacity { Id = "m", MaxSequences = 4, TokenBudget = 8192, Running = running, PrefillTokensPerSecond = 1000, DecodeTokensPerSecond = decode });
            return load;
        }

        var fast = CostModel.Estimate(work, Load(100), null, options);
        Assert.Equal(0.5 + 1.0, fast, 6);
        Assert.True(CostModel.Estimate(work, Load(50), null, options) > fast);
        Assert.True(CostModel.Estimate(work, Load(100, running: 3), null, options) > 2.5 * fast);
        Assert.True(CostModel.Estimate(work, Load(100, running: 6), null, options) > CostModel.Estimate(work, Load(100, running: 3), null, options));
        Assert.Equal(1.5 * fast, CostModel.Estimate(work, Load(100), new MachineLoad { Thermal = ThermalStates.Serious }, options), 6);
        Assert.Equal(2 * fast, CostModel.Estimate(work, Load(100), new MachineLoad { MemoryPressure = 0.92 }, options), 6);
        Assert.True(CostModel.Estimate(work, Load(0), null, options) > CostModel.Estimate(work, Load(options.DefaultDecodeTokensPerSecond), null, options));
    }

    [Fact]
    public void Estimates_come_from_sizes_and_default_max_tokens()
    {
        var options = new SchedulerOptions();
        Assert.Equal(new WorkItem("m", 250, 64), WorkItem.Estimate("m", 1000, 64, options));
        Assert.Equal(new WorkItem("m", 1, options.DefaultMaxTokens), WorkItem.Estimate("m", 0, null, options));
    }
}
