using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.RateLimiting;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.Tests;

/// <summary>The registrations a host gets from AddUmbraStore: bound options, checked and migrated at start.</summary>
public sealed class CoordinatorServiceCollectionTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "umbra-coordinator-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddUmbraStore(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Starting_the_host_migrates_the_configured_store_and_everything_resolves()
    {
        using var host = Build(new()
        {
            ["Store:DataDirectory"] = directory,
            ["RateLimit:RequestsPerSecond"] = "0.5",
            ["RateLimit:Burst"] = "1",
            ["ApiKeys:LastUsedPrecision"] = "00:00:00",
        });
        await host.StartAsync();
        try
        {
            var store = host.Services.GetRequiredService<IUmbraStore>();
            Assert.Equal("SQLite " + Path.Combine(directory, "coordinator.db"), store.Description);
            Assert.NotEmpty(await store.GetAppliedMigrationsAsync(CancellationToken.None));
            Assert.Same(store.ApiKeys, host.Services.GetRequiredService<IApiKeyStore>());

            var keys = host.Services.GetRequiredService<ApiKeyService>();
            var created = await keys.CreateAsync("from the host", null, CancellationToken.None);
            Assert.NotNull(await keys.AuthenticateAsync(created.Secret, CancellationToken.None));

            var limiter = host.Services.GetRequiredService<KeyRateLimiter>();
            Assert.True(limiter.TryAcquire(created.Key.Id).Allowed);
            Assert.Equal(2, limiter.TryAcquire(created.Key.Id).RetryAfterSeconds);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_container_disposed_synchronously_closes_the_store()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Store:DataDirectory"] = directory }).Build();
        var services = new ServiceCollection().AddUmbraStore(configuration).BuildServiceProvider();
        await services.GetRequiredService<IUmbraStore>().MigrateAsync(CancellationToken.None);

        services.Dispose(); // throws for a singleton that is only IAsyncDisposable

        Assert.True(File.Exists(Path.Combine(directory, "coordinator.db")));
    }

    [Theory]
    [InlineData("Store:ConnectionString", "postgres://", "postgres:// URL is malformed")]
    [InlineData("RateLimit:Burst", "0", "RateLimit:Burst must be at least 1")]
    [InlineData("ApiKeys:LastUsedPrecision", "-00:01:00", "ApiKeys:LastUsedPrecision must not be negative")]
    public async Task A_bad_setting_stops_the_start_with_its_name(string key, string value, string expected)
    {
        using var host = Build(new() { ["Store:DataDirectory"] = directory, [key] = value });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_cannot_be_opened_stops_the_start()
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "garbage.db");
        await File.WriteAllTextAsync(file, new string('x', 5000));
        using var host = Build(new() { ["Store:ConnectionString"] = file });

        var e = await Assert.ThrowsAsync<StoreException>(() => host.StartAsync());

        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }
}
