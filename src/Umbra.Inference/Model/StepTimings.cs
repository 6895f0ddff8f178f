using System.Diagnostics;

namespace Umbra.Inference.Model;

/// <summary>The parts of a forward pass that <see cref="StepTimings"/> times.</summary>
internal enum StepPhase
{
    /// <summary>Token embeddings, RMS norms, residual additions and what is left between the other phases.</summary>
    NormsAndResiduals,
    QueryKeyValue,
    /// <summary>RoPE on queries and keys and the keys and values written to the cache.</summary>
    RopeAndCacheWrite,
    Attention,
    AttentionOutput,
    GateUp,
    SwiGlu,
    Down,
    Logits,
}

/// <summary>
/// Where the time of decode steps goes, by phase (<see cref="StepPhase"/>) and by number of sequences in the step:
/// filled by <see cref="ForwardPass"/> while set on it, for steps where every token is a generated one, the next of
/// its own sequence (prefill chunks and steps mixing them with decoding are left out). For the benchmark; a pass
/// without it pays one null check per phase.
/// </summary>
internal sealed class StepTimings
{
    private readonly Dictionary<int, (double[] Ms, int Steps)> _bySequences = [];

    /// <summary>Timings with room made for steps of each of <paramref name="sequenceCounts"/>, so timing those allocates nothing.</summary>
    public StepTimings(IEnumerable<int> sequenceCounts)
    {
        foreach (int count in sequenceCounts)
            _bySequences[count] = (new double[PhaseNames.Count], 0);
    }

    public static readonly IReadOnlyList<string> PhaseNames =
        ["norms_residuals", "qkv", "rope_kv_write", "attention", "attention_output", "gate_up", "swiglu", "down", "logits"];

    /// <summary>
    /// Starts timing a step of <paramref name="sequences"/> decode tokens; a timer that records nothing for a count
    /// not named when these timings were made, so that timing never allocates on the engine's thread.
    /// </summary>
    public StepTimer Begin(int sequences)
    {
        if (!_bySequences.TryGetValue(sequences, out var entry))
            return default;
        _bySequences[sequences] = (entry.Ms, entry.Steps + 1);
        return new StepTimer(entry.Ms);
    }

    /// <summary>Mean milliseconds per step by phase name (and "total"), for steps of <paramref name="sequences"/> sequences; null if none ran.</summary>
    public IReadOnlyDictionary<string, double>? MeanMs(int sequences)
    {
        if (!_bySequences.TryGetValue(sequences, out var entry) || entry.Steps == 0)
            return null;
        var result = new Dictionary<string, double>();
        for (int i = 0; i < PhaseNames.Count; i++)
            result[PhaseNames[i]] = entry.Ms[i] / entry.Steps;
        result["total"] = entry.Ms.Sum() / entry.Steps;
        return result;
    }

    /// <summary>Forgets every step timed so far.</summary>
    public void Clear()
    {
        foreach (var (count, entry) in _bySequences.ToArray())
        {
            Array.Clear(entry.Ms);
            _bySequences[count] = (entry.Ms, 0);
        }
    }
}

/// <summary>Adds the time since the last mark to a phase of one step; does nothing when made by default.</summary>
internal struct StepTimer(double[]? ms)
{
    private long _last = ms == null ? 0 : Stopwatch.GetTimestamp();

    public void Mark(StepPhase phase)
    {
        if (ms == null)
            return;
        long now = Stopwatch.GetTimestamp();
        ms[(int)phase] += (now - _last) * 1000.0 / Stopwatch.Frequency;
        _last = now;
    }
}
