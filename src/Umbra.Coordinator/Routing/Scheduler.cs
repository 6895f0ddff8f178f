using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>
/// Decides where each request goes and when (docs/SCHEDULING.md). Pure: no I/O, time from a
/// <see cref="TimeProvider"/>, randomness from a <see cref="Random"/>, so a simulator can drive it.
/// Providers are named by id; the caller says which may serve a request. A request is admitted to the
/// cheapest candidate whose budget fits it, or waits in its model's bounded queue, or is rejected.
/// </summary>
internal sealed class Scheduler(SchedulerOptions options, TimeProvider time, Random? random = null)
{
    private readonly Lock _gate = new();
    private readonly Random _random = random ?? Random.Shared;
    private readonly Dictionary<string, ProviderLoad> _providers = new(StringComparer.Ordinal);
    // Per model, then per provider: most lookups find no model entry at all.
    private readonly Dictionary<string, Dictionary<string, Health>> _cooling = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private readonly Dictionary<string, ModelQueue> _queues = new(StringComparer.Ordinal);
    private readonly List<(ProviderLoad Provider, ModelLoad Model, double Cost)> _scratch = [];

    public SchedulerOptions Options => options;

    /// <summary>A new connection under <paramref name="provider"/>: fresh load (leases of an older one no longer count), same health.</summary>
    public void Connected(string provider)
    {
        lock (_gate)
        {
            _providers[provider] = new ProviderLoad(provider);
            PumpAll();
        }
    }

    public void Disconnected(string provider)
    {
        lock (_gate)
            _providers.Remove(provider);
    }

    /// <summary>A heartbeat: each model's capacity (null: the provider reports none) and the machine's load.</summary>
    public void Report(string provider, IReadOnlyList<ModelCapacity>? models, MachineLoad? machine)
    {
        lock (_gate)
        {
            var load = Provider(provider);
            load.Machine = machine;
            load.ReportedAt = time.GetTimestamp();
            foreach (var (id, model) in load.Models)
                model.OnReport(models?.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal)));
            foreach (var model in models ?? [])
            {
                if (!load.Models.ContainsKey(model.Id))
                    load.Model(model.Id).OnReport(model);
            }
            PumpAll();
        }
    }

    /// <summary>
    /// Places a request: admitted to a provider now, queued behind earlier requests for its model, or rejected
    /// (queue full, fleet saturated, every candidate cooling down). <paramref name="candidates"/> is asked again
    /// whenever a queued ticket is retried; it should list providers in random order (<see cref="RandomRotation"/>),
    /// since only the first <see cref="SchedulerOptions.SampleSize"/> are costed while one of them has room.
    /// </summary>
    public Ticket Submit(WorkItem work, Func<IEnumerable<string>> candidates)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var ticket = new Ticket(work, candidates, now + (long)(options.QueueTimeout.TotalSeconds * time.TimestampFrequency));
            var queue = Queue(work.Model);
            Pump(queue);
            if (queue.Count == 0)
            {
                var result = TryAdmit(ticket, now);
                if (result != Rejection.Saturated)
                    return ticket;
            }
            if (queue.Count >= options.MaxQueuedPerModel || queue.ExpectedWait(now, time, options.DrainWindow) > options.QueueTimeout)
            {
                ticket.Reject(Rejection.Saturated, queue.RetryAfter(now, time, options));
                return ticket;
            }
            queue.Add(ticket);
            return ticket;
        }
    }

    /// <summary>Ends a lease; a failure counts toward the provider's cooldown for the model. Idempotent.</summary>
    public void Complete(Lease lease, LeaseOutcome outcome)
    {
        lock (_gate)
        {
            if (lease.Completed)
                return;
            lease.Completed = true;
            var model = lease.Model;
            if (lease.Epoch == model.Epoch)
            {
                model.SentTokens -= lease.Work.Tokens;
                model.SentCount--;
            }
            else
            {
                model.ReleasedTokens += lease.Work.Tokens;
                model.ReleasedCount++;
            }
            model.InFlight--;
            model.InFlightTokens -= lease.Work.Tokens;
            lease.Provider.InFlight--;
            if (outcome == LeaseOutcome.Failed)
                OnFailure(lease.ProviderId, lease.Work.Model);
            if (_queues.TryGetValue(lease.Work.Model, out var queue))
                Pump(queue);
        }
    }

    /// <summary>Rejects every queued ticket past its deadline; returns how many.</summary>
    public int Expire()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var expired = 0;
            foreach (var queue in _queues.Values)
                expired += ExpireIn(queue, now);
            return expired;
        }
    }

    /// <summary>Takes a ticket out of its queue, as saturated (its wait is over) or abandoned; no effect once settled.</summary>
    public void Withdraw(Ticket ticket, Rejection rejection)
    {
        lock (_gate)
        {
            if (ticket.State != TicketState.Queued)
                return;
            var queue = Queue(ticket.Work.Model);
            queue.Remove(ticket, hadItsTurn: false);
            ticket.Reject(rejection, queue.RetryAfter(time.GetTimestamp(), time, options));
        }
    }

    public int QueueLength(string model)
    {
        lock (_gate)
            return _queues.TryGetValue(model, out var queue) ? queue.Count : 0;
    }

    /// <summary>Requests this coordinator has leased to <paramref name="provider"/> and not yet seen end.</summary>
    public int InFlight(string provider)
    {
        lock (_gate)
            return _providers.TryGetValue(provider, out var load) ? load.InFlight : 0;
    }

    /// <summary>Whether <paramref name="provider"/> is cooling down for <paramref name="model"/> now.</summary>
    public bool IsCoolingDown(string provider, string model)
    {
        lock (_gate)
            return CoolingDown(provider, model, time.GetTimestamp());
    }

    private Rejection TryAdmit(Ticket ticket, long now)
    {
        var work = ticket.Work;
        _ids.Clear();
        // Candidates come in random order (RandomRotation): the first SampleSize of them are the sample, and the
        // rest are read only when none of the sample has room, so a decision costs the sample, not the fleet.
        using var candidates = ticket.Candidates().GetEnumerator();
        var more = Take(candidates, options.SampleSize);
        if (_ids.Count == 0)
            return Reject(ticket, Rejection.NoCandidates, TimeSpan.Zero);
        var sampled = _ids.Count;
        var (cooling, reporting) = Gather(work, 0, sampled, now);
        if (_scratch.Count == 0 && more)
        {
            Take(candidates, int.MaxValue);
            var (moreCooling, moreReporting) = Gather(work, sampled, _ids.Count, now);
            cooling += moreCooling;
            reporting |= moreReporting;
            sampled = _ids.Count;
        }
        if (_scratch.Count == 0)
        {
            if (cooling == sampled)
                return Reject(ticket, Rejection.CoolingDown, CooldownLeft(_ids, work.Model, now));
            return Rejection.Saturated;
        }
        var (chosen, load) = reporting ? ByCost(work) : ByInFlight();
        var lease = new Lease(chosen, load, work, load.Epoch);
        load.SentTokens += work.Tokens;
        load.SentCount++;
        load.InFlight++;
        load.InFlightTokens += work.Tokens;
        chosen.InFlight++;
        chosen.Assigned++;
        Queue(work.Model).OnAdmitted(now, time, options.DrainWindow);
        ticket.Admit(lease);
        return Rejection.None;
    }

    /// <summary>Reads candidates into _ids until it holds <paramref name="limit"/>; false when they ran out first.</summary>
    private bool Take(IEnumerator<string> candidates, int limit)
    {
        while (_ids.Count < limit)
        {
            if (!candidates.MoveNext())
                return false;
            _ids.Add(candidates.Current);
        }
        return true;
    }

    /// <summary>Puts the candidates _ids[from..to) that are not cooling down and have room into _scratch.</summary>
    private (int Cooling, bool Reporting) Gather(WorkItem work, int from, int to, long now)
    {
        _scratch.Clear();
        var cooling = 0;
        var reporting = false;
        _cooling.TryGetValue(work.Model, out var coolingForModel);
        for (var i = from; i < to; i++)
        {
            var id = _ids[i];
            if (coolingForModel != null && coolingForModel.TryGetValue(id, out var health) && health.CooldownUntil > now)
            {
                cooling++;
                continue;
            }
            var provider = Provider(id);
            if (provider.ReportedAt is { } reportedAt && time.GetElapsedTime(reportedAt, now) > options.ReportsStaleAfter)
                provider.ForgetReports();
            var model = provider.Model(work.Model);
            if (model.FreeTokens is { } free)
            {
                reporting = true;
                if (Math.Min(work.Tokens, model.Report!.TokenBudget) > free)
                    continue;
            }
            _scratch.Add((provider, model, 0));
        }
        return (cooling, reporting);
    }

    private static Rejection Reject(Ticket ticket, Rejection rejection, TimeSpan retryAfter)
    {
        ticket.Reject(rejection, retryAfter);
        return rejection;
    }

    /// <summary>Providers without capacity reports only: the one with fewest requests in flight, then fewest ever sent.</summary>
    private (ProviderLoad, ModelLoad) ByInFlight()
    {
        var best = _scratch[0];
        foreach (var c in _scratch)
        {
            if (c.Provider.InFlight < best.Provider.InFlight || (c.Provider.InFlight == best.Provider.InFlight && c.Provider.Assigned < best.Provider.Assigned))
                best = c;
        }
        return (best.Provider, best.Model);
    }

    /// <summary>The lowest estimated completion time, chosen at random among those within the tie margin of it.</summary>
    private (ProviderLoad, ModelLoad) ByCost(WorkItem work)
    {
        var best = double.MaxValue;
        for (var i = 0; i < _scratch.Count; i++)
        {
            var c = _scratch[i];
            var cost = CostModel.Estimate(work, c.Model, c.Provider.Machine, options);
            _scratch[i] = c with { Cost = cost };
            best = Math.Min(best, cost);
        }
        var limit = best * (1 + options.TieMargin);
        var near = 0;
        foreach (var c in _scratch)
        {
            if (c.Cost <= limit)
                near++;
        }
        var pick = _random.Next(near);
        foreach (var c in _scratch)
        {
            if (c.Cost <= limit && pick-- == 0)
                return (c.Provider, c.Model);
        }
        throw new InvalidOperationException("No candidate within the tie margin.");
    }

    /// <summary>
    /// Admits queued tickets, the tenants taking turns, until the one whose turn it is finds no room (or its
    /// candidates are gone: then it is refused and the next is tried). Expired tickets go first.
    /// </summary>
    private void Pump(ModelQueue queue)
    {
        var now = time.GetTimestamp();
        ExpireIn(queue, now);
        while (queue.Next is { } ticket)
        {
            if (TryAdmit(ticket, now) == Rejection.Saturated)
                return;
            queue.Remove(ticket, hadItsTurn: true);
        }
    }

    private int ExpireIn(ModelQueue queue, long now)
    {
        var expired = 0;
        while (queue.Oldest is { } oldest && oldest.Deadline <= now)
        {
            queue.Remove(oldest, hadItsTurn: false);
            oldest.Reject(Rejection.Saturated, queue.RetryAfter(now, time, options));
            expired++;
        }
        return expired;
    }

    private void PumpAll()
    {
        foreach (var queue in _queues.Values)
            Pump(queue);
    }

    private void OnFailure(string provider, string model)
    {
        var now = time.GetTimestamp();
        if (!_cooling.TryGetValue(model, out var byProvider))
            _cooling[model] = byProvider = new Dictionary<string, Health>(StringComparer.Ordinal);
        var health = byProvider.GetValueOrDefault(provider);
        if (health.LastFailure is { } last && time.GetElapsedTime(last, now) <= options.FailureWindow)
            byProvider[provider] = new Health(null, now + (long)(options.Cooldown.TotalSeconds * time.TimestampFrequency));
        else
            byProvider[provider] = health with { LastFailure = now };
        if (byProvider.Count > 2 * Math.Max(64, _providers.Count))
            Prune(byProvider, now);
    }

    private bool CoolingDown(string provider, string model, long now) =>
        _cooling.TryGetValue(model, out var byProvider) && byProvider.TryGetValue(provider, out var health) && health.CooldownUntil > now;

    private TimeSpan CooldownLeft(IEnumerable<string> candidates, string model, long now)
    {
        var soonest = long.MaxValue;
        if (_cooling.TryGetValue(model, out var byProvider))
        {
            foreach (var id in candidates)
            {
                if (byProvider.TryGetValue(id, out var health) && health.CooldownUntil > now)
                    soonest = Math.Min(soonest, health.CooldownUntil);
            }
        }
        return soonest == long.MaxValue ? TimeSpan.Zero : time.GetElapsedTime(now, soonest);
    }

    /// <summary>Forgets providers whose cooldown is over and whose last failure is out of the window.</summary>
    private void Prune(Dictionary<string, Health> byProvider, long now)
    {
        foreach (var (id, health) in byProvider.ToList())
        {
            if (health.CooldownUntil <= now && (health.LastFailure is not { } last || time.GetElapsedTime(last, now) > options.FailureWindow))
                byProvider.Remove(id);
        }
    }

    private ProviderLoad Provider(string id)
    {
        if (!_providers.TryGetValue(id, out var load))
            _providers[id] = load = new ProviderLoad(id);
        return load;
    }

    private ModelQueue Queue(string model)
    {
        if (!_queues.TryGetValue(model, out var queue))
            _queues[model] = queue = new ModelQueue();
        return queue;
    }

    /// <summary>A provider's failures of one model: the last one (within the window), and the end of its cooldown.</summary>
    private readonly record struct Health(long? LastFailure, long CooldownUntil);
}
