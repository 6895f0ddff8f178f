using Microsoft.Extensions.Hosting;

namespace Umbra.Coordinator.Store;

/// <summary>Migrates the store before the host serves anything, so a bad database stops start-up with its reason.</summary>
internal sealed class StoreMigrationService(IUmbraStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
