using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Inference.Sampling;
using Umbra.Provider.Engine;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Engine.Support;

/// <summary>The real stories260K model behind a sealed engine handler, and what the engine gives directly.</summary>
internal static class EngineSetup
{
    public const string ModelId = "stories260K";

    /// <summary>Loaded once: the weights are read-only, and every generator has its own session.</summary>
    public static LlamaModel Model => SharedModel.Value;

    private static readonly Lazy<LlamaModel> SharedModel = new(() => LlamaModel.Load(SharedTestData.Stories260K));

    public static async Task<(ProviderHarness Provider, EngineModel Engine)> StartAsync(int? contextLength = null)
    {
        var engine = new EngineModel(Model, ModelId, contextLength);
        var provider = await ProviderHarness.StartAsync(
            (keyring, log) => new SealedEngineHandler([engine], keyring, log), [engine.Offer]);
        return (provider, engine);
    }

    /// <summary>The same greedy request run straight on a fresh generator.</summary>
    public static async Task<(string Text, GenerationUpdate Final)> DirectAsync(int[] prompt, int maxTokens)
    {
        using var generator = new TextGenerator(Model);
        return await generator.GenerateTextAsync(new GenerationRequest
        {
            PromptTokens = prompt,
            MaxTokens = maxTokens,
            Sampling = new SamplingOptions { Temperature = 0 },
        });
    }
}
