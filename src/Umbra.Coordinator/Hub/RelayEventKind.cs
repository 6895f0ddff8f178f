namespace Umbra.Coordinator.Hub;

/// <summary>What a provider said about one request, as the ingress path reads it.</summary>
internal enum RelayEventKind
{
    /// <summary>One sealed chunk's JSON, to relay as it is.</summary>
    Chunk,

    /// <summary>The request finished; the token counts are for billing.</summary>
    Complete,

    /// <summary>The request failed: the provider's error, or the provider's connection was lost.</summary>
    Failed,
}
