namespace Umbra.Provider.Engine;

/// <summary>A request handler whose models can be loaded ahead of demand, when the coordinator asks (a hub "load" message).</summary>
public interface IModelLoader
{
    /// <summary>Loads <paramref name="model"/> if it is not loaded: true when this call loaded it, false when it already was, null when it is not served here.</summary>
    Task<bool?> LoadAsync(string model, CancellationToken cancellationToken);
}
