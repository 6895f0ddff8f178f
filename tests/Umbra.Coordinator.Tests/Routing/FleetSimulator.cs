using Umbra.Coordinator.Routing;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Tests.Routing;

/// <summary>
/// A fleet of modeled providers driven in simulated time against the real <see cref="Scheduler"/>: each provider
/// runs up to MaxSequences requests, shares its decode speed among them, holds a token budget, reports capacity
/// in heartbeats, and may fail requests or disconnect. The driver plays the dispatcher: it fails over a request
/// that failed before content, up to three providers, as the coordinator does.
/// </summary>
internal sealed class FleetSimulator
{
    public const string Model = "m";
    public const double Step = 0.1;

    private readonly ManualTimeProvider _time = new();
    private readonly Random _random;
    private readonly List<SimRequest> _queued = [];
    private readonly List<string> _up = [];
    private double _now;
    private int _nextHeartbeat;

    public FleetSimulator(IEnumerable<SimProvider> providers, SchedulerOptions options, int seed)
    {
        _random = new Random(seed);
        Providers = [.. providers];
        Scheduler = new Scheduler(options, _time, new Random(seed + 1));
        foreach (var p in Providers)
            Scheduler.Connected(p.Id);
        RefreshUp();
    }

    public Scheduler Scheduler { get; }

    public IReadOnlyList<SimProvider> Providers { get; }

    public List<SimRequest> Requests { get; } = [];

    public int MaxQueueSeen { get; private set; }

    public double Now => _now;

    /// <summary>Heartbeats of a tenth of the fleet per step: every provider reports once a second.</summary>
    public int HeartbeatShare { get; init; } = 10;

    /// <summary>Runs for <paramref name="seconds"/>, with requests arriving at <paramref name="rate"/> per second.</summary>
    public void Run(double seconds, double rate, Func<WorkItem> work, Action<double>? atStep = null)
    {
        var end = _now + seconds;
        while (_now < end - 1e-9)
        {
            atStep?.Invoke(_now);
            var arrivals = Poisson(rate * Step);
            for (var i = 0; i < arrivals; i++)
                Arrive(work());
            Advance();
        }
    }

    public void Disconnect(SimProvider provider)
    {
        provider.Up = false;
        RefreshUp();
        Scheduler.Disconnected(provider.Id);
        foreach (var job in provider.Active.Concat(provider.EngineQueue).ToList())
            Fail(provider, job, LeaseOutcome.Failed, "provider_disconnected");
        provider.Active.Clear();
        provider.EngineQueue.Clear();
    }

    public void Reconnect(SimProvider provider)
    {
        provider.Up = true;
        RefreshUp();
        Scheduler.Connected(provider.Id);
    }

    private void Arrive(WorkItem work)
    {
        var request = new SimRequest(Requests.Count, work, _now);
        Requests.Add(request);
        Submit(request);
    }

    private void Submit(SimRequest request)
    {
        request.Attempts++;
        request.Ticket = Scheduler.Submit(request.Work, () => Candidates(request));
        Settle(request);
        if (request.Ticket.State == TicketState.Queued)
            _queued.Add(request);
    }

    // In random order, as the registry gives them: the scheduler costs only the first SampleSize.
    private IEnumerable<string> Candidates(SimRequest request) =>
        RandomRotation.Of(_up, _random).Where(id => !request.Tried.Contains(id));

    private void RefreshUp()
    {
        _up.Clear();
        _up.AddRange(Providers.Where(p => p.Up).Select(p => p.Id));
    }

    private void Settle(SimRequest request)
    {
        var ticket = request.Ticket!;
        switch (ticket.State)
        {
            case TicketState.Admitted:
                var provider = Providers[int.Parse(ticket.Lease!.ProviderId.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
                Start(provider, request, ticket.Lease);
                break;
            case TicketState.Rejected:
                request.End(ticket.Rejection == Rejection.Saturated ? SimOutcome.TooManyRequests : SimOutcome.Error, _now);
                request.RetryAfter = ticket.RetryAfter;
                break;
        }
    }

    private void Start(SimProvider provider, SimRequest request, Lease lease)
    {
        Assert.True(provider.Up, $"request {request.Id} sent to {provider.Id}, which is down");
        request.Tried.Add(provider.Id);
        request.Running++;
        Assert.Equal(1, request.Running);
        provider.Received++;
        var job = new SimJob(request, lease) { PrefillLeft = request.Work.PromptTokens, DecodeLeft = request.Work.MaxTokens };
        if (_random.NextDouble() < provider.FailureRate)
        {
            Fail(provider, job, LeaseOutcome.Failed, "provider_error");
            return;
        }
        provider.EngineQueue.Enqueue(job);
    }

    private void Fail(SimProvider provider, SimJob job, LeaseOutcome outcome, string code)
    {
        var request = job.Request;
        request.Running--;
        request.LastError = code;
        Scheduler.Complete(job.Lease, outcome);
        provider.Failed++;
        // Before content, another provider may serve it (three tries in all); after, the client gets the error.
        if (!job.ContentSent && request.Attempts < 3)
            Submit(request);
        else
            request.End(SimOutcome.Error, _now);
    }

    private void Advance()
    {
        _now += Step;
        _time.Advance(TimeSpan.FromSeconds(Step));
        foreach (var provider in Providers)
        {
            if (provider.Up)
                Run(provider);
        }
        for (var i = _nextHeartbeat; i < Providers.Count; i += HeartbeatShare)
        {
            var p = Providers[i];
            if (p.Up)
                Scheduler.Report(p.Id, [p.Capacity()], p.Machine);
        }
        _nextHeartbeat = (_nextHeartbeat + 1) % HeartbeatShare;
        Scheduler.Expire();
        for (var i = _queued.Count - 1; i >= 0; i--)
        {
            var request = _queued[i];
            if (request.Ticket!.State == TicketState.Queued)
                continue;
            _queued.RemoveAt(i);
            // A failure at the start resubmits it, and Submit queues it again if need be.
            Settle(request);
        }
        MaxQueueSeen = Math.Max(MaxQueueSeen, Scheduler.QueueLength(Model));
    }

    /// <summary>One step of a provider's engine: admit from its own queue while slots and budget allow, prefill, decode.</summary>
    private void Run(SimProvider provider)
    {
        while (provider.EngineQueue.Count > 0 && provider.Active.Count < provider.MaxSequences
            && provider.TokensUsed + provider.EngineQueue.Peek().Request.Work.Tokens <= provider.TokenBudget)
        {
            var job = provider.EngineQueue.Dequeue();
            provider.Active.Add(job);
            provider.TokensUsed += job.Request.Work.Tokens;
        }
        if (provider.Active.Count == 0)
            return;
        var prefilling = 0;
        foreach (var job in provider.Active)
        {
            if (job.PrefillLeft > 0)
                prefilling++;
        }
        var decoding = provider.Active.Count - prefilling;
        for (var i = provider.Active.Count - 1; i >= 0; i--)
        {
            var job = provider.Active[i];
            if (job.PrefillLeft > 0)
            {
                job.PrefillLeft -= provider.PrefillSpeed * Step / prefilling;
                continue;
            }
            job.ContentSent = true;
            job.DecodeLeft -= provider.DecodeSpeed * Step / decoding;
            if (job.DecodeLeft > 0)
                continue;
            provider.Active.RemoveAt(i);
            provider.TokensUsed -= job.Request.Work.Tokens;
            job.Request.Running--;
            provider.Served++;
            Scheduler.Complete(job.Lease, LeaseOutcome.Succeeded);
            job.Request.End(SimOutcome.Served, _now);
        }
    }

    private int Poisson(double mean)
    {
        // Knuth's method is fine for the small means of one step; large ones use the normal approximation.
        if (mean > 30)
            return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Gaussian()));
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = _random.NextDouble(); p > limit; p *= _random.NextDouble())
            k++;
        return k;
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}

internal sealed class SimProvider(int index, double prefillSpeed, double decodeSpeed, int maxSequences, int tokenBudget)
{
    public string Id { get; } = "p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public double PrefillSpeed { get; } = prefillSpeed;

    public double DecodeSpeed { get; } = decodeSpeed;

    public int MaxSequences { get; } = maxSequences;

    public int TokenBudget { get; } = tokenBudget;

    public double FailureRate { get; set; }

    public MachineLoad? Machine { get; set; }

    public bool Up { get; set; } = true;

    public long TokensUsed { get; set; }

    public List<SimJob> Active { get; } = [];

    public Queue<SimJob> EngineQueue { get; } = new();

    public int Received { get; set; }

    public int Served { get; set; }

    public int Failed { get; set; }

    public ModelCapacity Capacity() => new()
    {
        Id = FleetSimulator.Model,
        Running = Active.Count,
        Waiting = EngineQueue.Count,
        MaxSequences = MaxSequences,
        TokensUsed = (int)TokensUsed,
        TokenBudget = TokenBudget,
        PrefillTokensPerSecond = PrefillSpeed,
        DecodeTokensPerSecond = DecodeSpeed,
    };
}

internal sealed class SimJob(SimRequest request, Lease lease)
{
    public SimRequest Request { get; } = request;

    public Lease Lease { get; } = lease;

    public double PrefillLeft { get; set; }

    public double DecodeLeft { get; set; }

    public bool ContentSent { get; set; }
}

internal enum SimOutcome
{
    Pending,
    Served,
    TooManyRequests,
    Error,
}

internal sealed class SimRequest(int id, WorkItem work, double arrivedAt)
{
    public int Id { get; } = id;

    public WorkItem Work { get; } = work;

    public double ArrivedAt { get; } = arrivedAt;

    public HashSet<string> Tried { get; } = new(StringComparer.Ordinal);

    public Ticket? Ticket { get; set; }

    public int Attempts { get; set; }

    /// <summary>Providers working on it now: never more than one.</summary>
    public int Running { get; set; }

    public SimOutcome Outcome { get; private set; }

    public int Endings { get; private set; }

    public double EndedAt { get; private set; }

    public TimeSpan RetryAfter { get; set; }

    public string? LastError { get; set; }

    public void End(SimOutcome outcome, double now)
    {
        Endings++;
        Outcome = outcome;
        EndedAt = now;
    }
}
