namespace Umbra.Coordinator.Routing;

/// <summary>
/// One request's place with the scheduler: admitted at once, queued, or rejected. A queued ticket settles later
/// (admitted by a release or a report, or rejected by expiry); <see cref="Settled"/> completes when it does.
/// </summary>
internal sealed class Ticket
{
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Ticket(WorkItem work, Func<IEnumerable<string>> candidates, long deadline)
    {
        Work = work;
        Candidates = candidates;
        Deadline = deadline;
    }

    public WorkItem Work { get; }

    /// <summary>The ids of the providers that may serve it, asked afresh at each try (providers come and go).</summary>
    internal Func<IEnumerable<string>> Candidates { get; }

    /// <summary>The timestamp past which a queued ticket is rejected.</summary>
    internal long Deadline { get; }

    /// <summary>Its place among its model's waiting requests in arrival order; null when not waiting.</summary>
    internal LinkedListNode<Ticket>? Node { get; set; }

    /// <summary>Its place among its tenant's waiting requests.</summary>
    internal LinkedListNode<Ticket>? TenantNode { get; set; }

    public TicketState State { get; private set; } = TicketState.Queued;

    public Lease? Lease { get; private set; }

    public Rejection Rejection { get; private set; }

    public TimeSpan RetryAfter { get; private set; }

    public Task Settled => _settled.Task;

    internal void Admit(Lease lease)
    {
        Lease = lease;
        State = TicketState.Admitted;
        _settled.TrySetResult();
    }

    internal void Reject(Rejection rejection, TimeSpan retryAfter)
    {
        Rejection = rejection;
        RetryAfter = retryAfter;
        State = TicketState.Rejected;
        _settled.TrySetResult();
    }
}
