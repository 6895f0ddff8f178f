namespace Umbra.Coordinator.Routing;

/// <summary>Why routing found a provider or did not; each failure becomes a distinct client error.</summary>
internal enum RouteOutcome
{
    Routed,

    /// <summary>No live provider serves the model at all.</summary>
    UnknownModel,

    /// <summary>Providers serve the model, but none holds a key the request is sealed to (or all were tried).</summary>
    NoRecipient,

    /// <summary>Providers of the model are connected, but none has passed its challenge at the minimum trust level.</summary>
    Untrusted,

    /// <summary>Every candidate is full and the model's queue is full too, or the request waited out its queue timeout.</summary>
    Saturated,

    /// <summary>Every candidate failed this model twice in a minute and gets none of it for a while.</summary>
    CoolingDown,
}
