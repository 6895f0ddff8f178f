using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>
/// A store of either kind on its own database, gone afterwards: a SQLite file in a fresh temporary
/// directory, or a fresh PostgreSQL schema.
/// </summary>
internal sealed class TestStore : IAsyncDisposable
{
    private readonly List<IUmbraStore> opened = [];

    private TestStore(StoreKind kind, string connectionString, string? directory, string? schema, TimeProvider time, ILoggerFactory? loggerFactory)
    {
        Kind = kind;
        ConnectionString = connectionString;
        Directory = directory;
        Schema = schema;
        Time = time;
        LoggerFactory = loggerFactory;
        Store = Open();
    }

    public StoreKind Kind { get; }

    /// <summary>What Store:ConnectionString would say.</summary>
    public string ConnectionString { get; }

    /// <summary>The SQLite store's directory.</summary>
    public string? Directory { get; }

    /// <summary>The PostgreSQL store's schema.</summary>
    public string? Schema { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory? LoggerFactory { get; }

    public IUmbraStore Store { get; }

    public static async Task<TestStore> CreateAsync(StoreKind kind, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, bool migrate = true)
    {
        time ??= new ManualTimeProvider();
        TestStore store;
        if (kind == StoreKind.Sqlite)
        {
            var directory = Path.Combine(Path.GetTempPath(), "umbra-coordinator-tests", Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            store = new TestStore(kind, Path.Combine(directory, "store.db"), directory, null, time, loggerFactory);
        }
        else
        {
            var (schema, connectionString) = await PostgresTestServer.CreateSchemaAsync();
            store = new TestStore(kind, connectionString, null, schema, time, loggerFactory);
        }
        if (migrate)
            await store.Store.MigrateAsync(CancellationToken.None);
        return store;
    }

    /// <summary>Another store instance on the same database, as a second coordinator process would have.</summary>
    public IUmbraStore Open()
    {
        var store = UmbraStoreFactory.Create(new StoreOptions { ConnectionString = ConnectionString }, Time, LoggerFactory);
        Assert.Equal(Kind, store.Kind);
        opened.Add(store);
        return store;
    }

    public ApiKeyService ApiKeys(TimeSpan? lastUsedPrecision = null) => new(
        Store.ApiKeys,
        Time,
        Options.Create(new ApiKeyOptions { LastUsedPrecision = lastUsedPrecision ?? TimeSpan.FromMinutes(1) }),
        LoggerFactory?.CreateLogger<ApiKeyService>());

    public async ValueTask DisposeAsync()
    {
        foreach (var store in opened)
            await store.DisposeAsync();
        if (Directory is not null)
            System.IO.Directory.Delete(Directory, recursive: true);
        if (Schema is not null)
            await PostgresTestServer.DropSchemaAsync(Schema);
    }
}
