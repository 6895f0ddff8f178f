namespace Umbra.Coordinator.Routing;

internal enum TicketState
{
    /// <summary>Waiting in its model's queue for a provider with room.</summary>
    Queued,

    /// <summary>Given to a provider: <see cref="Ticket.Lease"/> says which.</summary>
    Admitted,

    /// <summary>Not served: <see cref="Ticket.Rejection"/> says why, <see cref="Ticket.RetryAfter"/> when to try again.</summary>
    Rejected,
}

internal enum Rejection
{
    None,

    /// <summary>The fleet is saturated: the queue is full, or the request waited its whole queue timeout.</summary>
    Saturated,

    /// <summary>Every candidate failed this model twice lately and is cooling down.</summary>
    CoolingDown,

    /// <summary>No candidate at all (the request named no provider that is connected).</summary>
    NoCandidates,

    /// <summary>The caller gave up on it (the client went away).</summary>
    Abandoned,
}
