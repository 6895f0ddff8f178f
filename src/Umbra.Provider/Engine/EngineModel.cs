using Umbra.Inference.Generation;
using Umbra.Inference.Model;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Engine;

/// <summary>A model the built-in engine serves, under the name clients use, with the one generator that runs it.</summary>
public sealed class EngineModel : IDisposable
{
    public EngineModel(LlamaModel model, string? id = null, int? contextLength = null, EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Id = string.IsNullOrWhiteSpace(id) ? model.Id : id;
        // A provider serves strangers: no prefix reuse, so one request's prompt neither lingers in the cache
        // nor makes a later request that shares it answer faster.
        Generator = new TextGenerator(model, contextLength, reusePrefix: false, options);
    }

    public string Id { get; }

    public LlamaModel Model { get; }

    /// <summary>Runs every request of this model through one continuous-batching engine (docs/ENGINE.md).</summary>
    public TextGenerator Generator { get; }

    /// <summary>What registration announces for this model.</summary>
    public ModelOffer Offer => new(Id, Generator.ContextLength);

    public void Dispose() => Generator.Dispose();
}
