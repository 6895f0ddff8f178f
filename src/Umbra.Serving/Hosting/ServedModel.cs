using Umbra.Inference.Generation;
using Umbra.Inference.Model;

namespace Umbra.Serving.Hosting;

/// <summary>The model a local server answers for, with the generator that runs it.</summary>
public sealed class ServedModel : IDisposable
{
    public ServedModel(LlamaModel model, string? id = null, int? contextLength = null)
    {
        Model = model;
        Id = string.IsNullOrWhiteSpace(id) ? model.Id : id;
        // One local user: keeping the cache between requests makes each chat turn pay only for what is new.
        Generator = new TextGenerator(model, contextLength, reusePrefix: true);
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    public string Id { get; }
    public LlamaModel Model { get; }
    public TextGenerator Generator { get; }
    public long Created { get; }

    public void Dispose() => Generator.Dispose();
}
