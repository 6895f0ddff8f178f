namespace Umbra.Coordinator.Routing;

/// <summary>A request given to a provider, holding its share of that provider's budget until completed.</summary>
internal sealed class Lease
{
    internal Lease(ProviderLoad provider, ModelLoad model, WorkItem work, long epoch)
    {
        Provider = provider;
        Model = model;
        Work = work;
        Epoch = epoch;
    }

    public string ProviderId => Provider.Id;

    public WorkItem Work { get; }

    internal ProviderLoad Provider { get; }

    internal ModelLoad Model { get; }

    /// <summary>The model's report epoch when sent: whether the provider's reports already count it.</summary>
    internal long Epoch { get; }

    internal bool Completed { get; set; }
}
