namespace Umbra.Inference.Generation;

/// <summary>What <see cref="TextGenerator.WarmUpAsync"/> did and measured.</summary>
/// <param name="Elapsed">The whole warm-up, both passes.</param>
/// <param name="PromptTokens">Tokens of the measured pass's prompt (0 when the context is too short to warm up).</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens per second of the measured pass (0 when not measured).</param>
/// <param name="DecodeTokensPerSecond">One stream's generated tokens per second in the measured pass (0 when not measured).</param>
public sealed record WarmUpReport(TimeSpan Elapsed, int PromptTokens, double PrefillTokensPerSecond, double DecodeTokensPerSecond);
