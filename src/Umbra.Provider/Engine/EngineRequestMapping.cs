using Umbra.Inference.Sampling;
using Umbra.Inference.Templates;
using Umbra.Protocol.OpenAi;

namespace Umbra.Provider.Engine;

/// <summary>From the API's request types to the engine's, as `umbra serve` maps them, so both answer alike.</summary>
internal static class EngineRequestMapping
{
    public static IReadOnlyList<ChatMessage> Messages(IReadOnlyList<OpenAiMessage> messages) =>
        messages.Select(m => new ChatMessage(m.Role, m.Content)).ToArray();

    public static SamplingOptions Sampling(OpenAiSampling s)
    {
        // OpenAI's top_p = 0 means "only the most likely token"; the engine says that with temperature 0.
        bool greedy = s.TopP == 0;
        return new SamplingOptions
        {
            Temperature = greedy ? 0 : s.Temperature,
            TopP = greedy ? 1 : s.TopP,
            TopK = s.TopK,
            MinP = s.MinP,
            RepetitionPenalty = s.RepetitionPenalty,
            FrequencyPenalty = s.FrequencyPenalty,
            PresencePenalty = s.PresencePenalty,
            Seed = s.Seed,
        };
    }
}
