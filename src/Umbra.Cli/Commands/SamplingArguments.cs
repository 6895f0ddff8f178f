using System.CommandLine;
using Umbra.Inference.Sampling;

namespace Umbra.Cli.Commands;

/// <summary>The sampling options shared by commands, named as in the OpenAI API (with dashes).</summary>
internal sealed class SamplingArguments
{
    public Option<float> Temperature { get; } = new("--temperature") { Description = "0 = greedy; higher is more random", DefaultValueFactory = _ => 0.8f };
    public Option<float> TopP { get; } = new("--top-p") { Description = "Nucleus sampling threshold (1 = off)", DefaultValueFactory = _ => 0.95f };
    public Option<int> TopK { get; } = new("--top-k") { Description = "Keep the K most likely tokens (0 = off)", DefaultValueFactory = _ => 40 };
    public Option<float> MinP { get; } = new("--min-p") { Description = "Drop tokens below this fraction of the top probability", DefaultValueFactory = _ => 0.05f };
    public Option<float> RepetitionPenalty { get; } = new("--repetition-penalty") { Description = "Penalty for recently seen tokens (1 = off)", DefaultValueFactory = _ => 1f };
    public Option<float> FrequencyPenalty { get; } = new("--frequency-penalty") { Description = "OpenAI frequency penalty (-2..2)" };
    public Option<float> PresencePenalty { get; } = new("--presence-penalty") { Description = "OpenAI presence penalty (-2..2)" };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "Random seed; the same seed gives the same text" };

    public void AddTo(Command command)
    {
        command.Options.Add(Temperature);
        command.Options.Add(TopP);
        command.Options.Add(TopK);
        command.Options.Add(MinP);
        command.Options.Add(RepetitionPenalty);
        command.Options.Add(FrequencyPenalty);
        command.Options.Add(PresencePenalty);
        command.Options.Add(Seed);
    }

    public SamplingOptions Read(ParseResult r) => new()
    {
        Temperature = r.GetValue(Temperature),
        TopP = r.GetValue(TopP),
        TopK = r.GetValue(TopK),
        MinP = r.GetValue(MinP),
        RepetitionPenalty = r.GetValue(RepetitionPenalty),
        FrequencyPenalty = r.GetValue(FrequencyPenalty),
        PresencePenalty = r.GetValue(PresencePenalty),
        Seed = r.GetValue(Seed),
    };
}
