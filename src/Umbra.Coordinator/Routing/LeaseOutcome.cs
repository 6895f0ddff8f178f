namespace Umbra.Coordinator.Routing;

/// <summary>How a request sent to a provider ended, as far as the provider's health is concerned.</summary>
internal enum LeaseOutcome
{
    /// <summary>Served, or refused for the request's own fault (a client error): no mark against the provider.</summary>
    Succeeded,

    /// <summary>Ended without a verdict (the client went away, the provider drained): no mark against the provider.</summary>
    Released,

    /// <summary>The provider failed it (disconnected, timed out, answered badly): counts toward a cooldown.</summary>
    Failed,
}
