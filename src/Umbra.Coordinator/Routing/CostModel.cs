using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>
/// A candidate's estimated completion time for a request, in seconds (docs/SCHEDULING.md, "Cost"): the prompt
/// at its prefill speed, plus max_tokens at its decode speed shared among the sequences running with it, plus
/// the wait for a sequence slot when it is full; then multiplied by penalties for requests it has not yet
/// reported on, a cold model (no speeds measured, or unloaded: then its load time is added first), memory
/// pressure and heat.
/// </summary>
internal static class CostModel
{
    public const double ColdPenalty = 1.5;
    public const double PendingPenalty = 0.05;

    public static double Estimate(WorkItem work, ModelLoad load, MachineLoad? machine, SchedulerOptions options)
    {
        var report = load.Report;
        var prefill = report is { PrefillTokensPerSecond: > 0 } ? report.PrefillTokensPerSecond : options.DefaultPrefillTokensPerSecond;
        var decode = report is { DecodeTokensPerSecond: > 0 } ? report.DecodeTokensPerSecond : options.DefaultDecodeTokensPerSecond;
        var slots = report is { MaxSequences: > 0 } ? report.MaxSequences : 1;
        var queue = load.Queue;
        var sharing = Math.Min(queue + 1, slots);
        var service = work.PromptTokens / prefill + work.MaxTokens / (decode / sharing);
        var ahead = Math.Max(0, queue + 1 - slots);
        var cost = service + ahead * service / slots;

        cost *= 1 + PendingPenalty * load.SentCount;
        if (report is { Loaded: false })
            cost += options.ModelLoadSeconds;
        if (report is not { DecodeTokensPerSecond: > 0 } or { Loaded: false })
            cost *= ColdPenalty;
        cost *= MemoryPenalty(machine?.MemoryPressure) * ThermalPenalty(machine?.Thermal);
        return cost;
    }

    public static double MemoryPenalty(double? pressure) => pressure switch
    {
        > 0.95 => 3,
        > 0.9 => 2,
        > 0.8 => 1.25,
        _ => 1,
    };

    public static double ThermalPenalty(string? thermal) => thermal switch
    {
        ThermalStates.Fair => 1.1,
        ThermalStates.Serious => 1.5,
        ThermalStates.Critical => 3,
        _ => 1,
    };
}
