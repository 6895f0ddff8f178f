using Umbra.Inference.Generation;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>Turns the engine's own capacity figures into the heartbeat's per-model report.</summary>
public static class CapacityReports
{
    public static ModelCapacity From(string modelId, EngineCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        return new ModelCapacity
        {
            Id = modelId,
            Running = capacity.Running,
            Waiting = capacity.Waiting,
            MaxSequences = capacity.MaxSequences,
            TokensUsed = capacity.TokensUsed,
            TokenBudget = capacity.TokenBudget,
            PrefillTokensPerSecond = capacity.PrefillTokensPerSecond,
            DecodeTokensPerSecond = capacity.DecodeTokensPerSecond,
        };
    }
}
