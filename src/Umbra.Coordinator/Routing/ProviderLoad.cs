using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>The scheduler's view of one connected provider: what it reported and what has been sent to it since.</summary>
internal sealed class ProviderLoad(string id)
{
    public string Id { get; } = id;

    /// <summary>Requests sent here and not yet completed.</summary>
    public int InFlight { get; set; }

    /// <summary>Requests ever sent to this connection: breaks ties between equally loaded providers without reports.</summary>
    public long Assigned { get; set; }

    public MachineLoad? Machine { get; set; }

    /// <summary>When the last heartbeat came (a timestamp of the scheduler's clock); null before any, or once forgotten.</summary>
    public long? ReportedAt { get; set; }

    /// <summary>
    /// Forgets a report too old to trust (the heartbeats stopped while the connection still carries traffic):
    /// the provider is then treated as one that reports nothing, routed by requests in flight, as a cold one.
    /// </summary>
    public void ForgetReports()
    {
        Machine = null;
        foreach (var model in Models.Values)
        {
            if (model.Report != null)
                model.OnReport(null);
        }
        ReportedAt = null;
    }

    public Dictionary<string, ModelLoad> Models { get; } = new(StringComparer.Ordinal);

    public ModelLoad Model(string model)
    {
        if (!Models.TryGetValue(model, out var load))
            Models[model] = load = new ModelLoad();
        return load;
    }
}

/// <summary>
/// One model on one provider: its last report, and the requests sent and completed since that report, so the
/// budget left is the reported free tokens minus what was sent since plus what earlier requests gave back.
/// </summary>
internal sealed class ModelLoad
{
    /// <summary>The last report, or null when the provider reports no capacity for this model.</summary>
    public ModelCapacity? Report { get; set; }

    /// <summary>Increments at every report: leases from an earlier epoch are counted in the report.</summary>
    public long Epoch { get; set; }

    public long SentTokens { get; set; }

    public int SentCount { get; set; }

    /// <summary>Tokens and requests of leases the last report counted that have completed since.</summary>
    public long ReleasedTokens { get; set; }

    public int ReleasedCount { get; set; }

    public int InFlight { get; set; }

    /// <summary>Tokens of the requests this coordinator has in flight here (running, or waiting in the engine's own queue).</summary>
    public long InFlightTokens { get; set; }

    /// <summary>
    /// Tokens the provider can take now, or null when it reports no budget. The report counts only admitted
    /// sequences, not those waiting in the engine, so what this coordinator has in flight there is a floor.
    /// </summary>
    public long? FreeTokens => Report is { TokenBudget: > 0 } r
        ? r.TokenBudget - Math.Max(Math.Max(0, (long)r.TokensUsed + SentTokens - ReleasedTokens), InFlightTokens)
        : null;

    /// <summary>Sequences running or waiting there as far as this coordinator can tell.</summary>
    public int Queue => Report is { } r ? Math.Max(0, r.Running + r.Waiting + SentCount - ReleasedCount) : InFlight;

    public void OnReport(ModelCapacity? report)
    {
        Report = report;
        Epoch++;
        SentTokens = 0;
        SentCount = 0;
        ReleasedTokens = 0;
        ReleasedCount = 0;
    }
}
