namespace Umbra.Protocol.OpenAi;

/// <summary>
/// The sampling settings of a request as the API names them, with OpenAI's defaults. Engines map these to
/// their own options; the parser has already checked every range.
/// </summary>
public sealed record OpenAiSampling
{
    public float Temperature { get; init; } = 1f;
    public float TopP { get; init; } = 1f;
    public int TopK { get; init; }
    public float MinP { get; init; }
    public float RepetitionPenalty { get; init; } = 1f;
    public float FrequencyPenalty { get; init; }
    public float PresencePenalty { get; init; }
    public ulong? Seed { get; init; }
}
