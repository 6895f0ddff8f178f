namespace Umbra.Inference.Generation;

/// <summary>
/// What an engine can take and how it is doing, for a scheduler deciding where to send work.
/// Speeds are moving averages over recent steps (0 until measured); decode speed is the aggregate over
/// all running sequences.
/// </summary>
/// <param name="MaxSequences">Most sequences evaluated together.</param>
/// <param name="ContextLength">Most positions (prompt plus output) of one request.</param>
/// <param name="TokenBudget">Tokens the KV cache holds in all.</param>
/// <param name="TokensUsed">Tokens reserved by running (and retained) sequences.</param>
/// <param name="BlockSize">Tokens per cache block, the unit of reservation.</param>
/// <param name="Running">Sequences admitted, prefilling or decoding.</param>
/// <param name="Waiting">Requests queued for room in the cache or a sequence slot.</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens per second in steps that only prefilled.</param>
/// <param name="DecodeTokensPerSecond">Generated tokens per second, all sequences together, in steps that only decoded.</param>
public sealed record EngineCapacity(
    int MaxSequences,
    int ContextLength,
    int TokenBudget,
    int TokensUsed,
    int BlockSize,
    int Running,
    int Waiting,
    double PrefillTokensPerSecond,
    double DecodeTokensPerSecond)
{
    public int TokensFree => TokenBudget - TokensUsed;
}
