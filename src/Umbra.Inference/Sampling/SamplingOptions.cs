namespace Umbra.Inference.Sampling;

/// <summary>How the next token is chosen. Names and defaults follow OpenAI's API and llama.cpp's samplers.</summary>
public sealed record SamplingOptions
{
    /// <summary>0 picks the most likely token every time (greedy).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep the smallest set of tokens whose probabilities add up to at least this (1 = off).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep only the K most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Drop tokens less likely than this fraction of the most likely one (0 = off).</summary>
    public float MinP { get; init; }

    /// <summary>llama.cpp's repetition penalty over the last <see cref="RepeatLastN"/> tokens (1 = off).</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    public int RepeatLastN { get; init; } = 64;

    /// <summary>OpenAI's frequency penalty: subtracted once per earlier occurrence of a token (-2..2).</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>OpenAI's presence penalty: subtracted once for any token that already occurred (-2..2).</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Seed for the random choice; the same seed and input give the same text. Null picks one at random.</summary>
    public ulong? Seed { get; init; }

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, string range, object value)
        {
            if (!ok) throw new ArgumentException($"{name} must be {range}; got {value}.", name);
        }
        Check(float.IsFinite(Temperature) && Temperature is >= 0 and <= 100, "temperature", "between 0 and 100", Temperature);
        Check(float.IsFinite(TopP) && TopP is > 0 and <= 1, "top_p", "greater than 0 and at most 1", TopP);
        Check(TopK >= 0, "top_k", "0 or more", TopK);
        Check(float.IsFinite(MinP) && MinP is >= 0 and <= 1, "min_p", "between 0 and 1", MinP);
        Check(float.IsFinite(RepetitionPenalty) && RepetitionPenalty is > 0 and <= 10, "repetition_penalty", "greater than 0 and at most 10", RepetitionPenalty);
        Check(RepeatLastN >= 0, "repeat_last_n", "0 or more", RepeatLastN);
        Check(float.IsFinite(FrequencyPenalty) && FrequencyPenalty is >= -2 and <= 2, "frequency_penalty", "between -2 and 2", FrequencyPenalty);
        Check(float.IsFinite(PresencePenalty) && PresencePenalty is >= -2 and <= 2, "presence_penalty", "between -2 and 2", PresencePenalty);
    }
}
