namespace Umbra.Coordinator.Routing;

/// <summary>
/// One model's waiting requests, and how fast requests of the model are being admitted. Requests wait in
/// arrival order (for expiry) and per tenant (the API key that sent them): room that frees up goes to the
/// tenants in turn, each tenant's oldest request first, so one tenant's burst cannot starve another's requests
/// (docs/SCHEDULING.md, "Queue").
/// </summary>
internal sealed class ModelQueue
{
    private readonly Queue<long> _admissions = new();
    private readonly LinkedList<Ticket> _arrivals = new();
    private readonly Dictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);
    // Tenants with requests waiting; the first one's oldest request is the next to try.
    private readonly LinkedList<Tenant> _turns = new();

    public int Count => _arrivals.Count;

    /// <summary>The request that arrived first, so the first to reach its deadline.</summary>
    public Ticket? Oldest => _arrivals.First?.Value;

    /// <summary>The request whose turn it is: the oldest of the tenant at the head of the rotation.</summary>
    public Ticket? Next => _turns.First?.Value.Tickets.First?.Value;

    /// <summary>Tenants with requests waiting.</summary>
    public int Tenants => _turns.Count;

    public void Add(Ticket ticket)
    {
        var name = ticket.Work.Tenant ?? "";
        if (!_tenants.TryGetValue(name, out var tenant))
        {
            _tenants[name] = tenant = new Tenant(name);
            tenant.Turn = _turns.AddLast(tenant);
        }
        ticket.Node = _arrivals.AddLast(ticket);
        ticket.TenantNode = tenant.Tickets.AddLast(ticket);
    }

    /// <summary>
    /// Takes a ticket out. <paramref name="hadItsTurn"/>: it was the <see cref="Next"/> and was settled (admitted or
    /// refused), so its tenant goes to the back of the rotation. No effect on a ticket not waiting here.
    /// </summary>
    public void Remove(Ticket ticket, bool hadItsTurn)
    {
        if (ticket.Node == null)
            return;
        _arrivals.Remove(ticket.Node);
        ticket.Node = null;
        var tenant = _tenants[ticket.Work.Tenant ?? ""];
        tenant.Tickets.Remove(ticket.TenantNode!);
        ticket.TenantNode = null;
        if (tenant.Tickets.Count == 0)
        {
            _turns.Remove(tenant.Turn!);
            _tenants.Remove(tenant.Name);
        }
        else if (hadItsTurn && _turns.First == tenant.Turn && _turns.Count > 1)
        {
            _turns.RemoveFirst();
            _turns.AddLast(tenant.Turn!);
        }
    }

    public void OnAdmitted(long now, TimeProvider time, TimeSpan window)
    {
        _admissions.Enqueue(now);
        Trim(now, time, window);
    }

    /// <summary>Admissions per second over the window; 0 when none.</summary>
    public double DrainRate(long now, TimeProvider time, TimeSpan window)
    {
        Trim(now, time, window);
        if (_admissions.Count == 0)
            return 0;
        var span = Math.Max(1, time.GetElapsedTime(_admissions.Peek(), now).TotalSeconds);
        return _admissions.Count / Math.Min(span, window.TotalSeconds);
    }

    /// <summary>How long a request joining the queue now would wait at the current drain rate; zero when unmeasured.</summary>
    public TimeSpan ExpectedWait(long now, TimeProvider time, TimeSpan window)
    {
        if (Count == 0)
            return TimeSpan.Zero;
        var rate = DrainRate(now, time, window);
        return rate > 0 ? TimeSpan.FromSeconds((Count + 1) / rate) : TimeSpan.Zero;
    }

    /// <summary>When a rejected client should come back: the time to drain the queue at the measured rate, 1 s to the queue timeout.</summary>
    public TimeSpan RetryAfter(long now, TimeProvider time, SchedulerOptions options)
    {
        var rate = DrainRate(now, time, options.DrainWindow);
        var seconds = rate > 0 ? Math.Ceiling((Count + 1) / rate) : options.QueueTimeout.TotalSeconds;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 1, Math.Max(1, options.QueueTimeout.TotalSeconds)));
    }

    private void Trim(long now, TimeProvider time, TimeSpan window)
    {
        while (_admissions.Count > 0 && time.GetElapsedTime(_admissions.Peek(), now) > window)
            _admissions.Dequeue();
    }

    private sealed class Tenant(string name)
    {
        public string Name { get; } = name;

        public LinkedList<Ticket> Tickets { get; } = new();

        public LinkedListNode<Tenant>? Turn { get; set; }
    }
}
