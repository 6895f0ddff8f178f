using Npgsql;
using Umbra.Coordinator.Store;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Store;

/// <summary>How the PostgreSQL store reports a server it cannot use.</summary>
public class PostgresStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_unreachable_server_is_named_in_the_error()
    {
        // Port 1 on loopback: nothing listens, so the connection is refused at once.
        await using var store = UmbraStoreFactory.Create(new StoreOptions { ConnectionString = "Host=127.0.0.1;Port=1;Username=u;Password=hunter2;Database=coord;Timeout=5" });
        Assert.Equal(StoreKind.Postgres, store.Kind);

        var e = await Assert.ThrowsAsync<StoreException>(() => store.MigrateAsync(None));

        Assert.StartsWith("Cannot connect to PostgreSQL 127.0.0.1:1/coord: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<NpgsqlException>(e.InnerException);
    }

    [PostgresFact]
    public async Task A_wrong_password_is_reported_as_such()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresTestServer.RequireConnectionString()) { Password = "not-the-password" };
        await using var store = UmbraStoreFactory.Create(new StoreOptions { ConnectionString = builder.ConnectionString });

        var e = await Assert.ThrowsAsync<StoreException>(() => store.MigrateAsync(None));

        Assert.StartsWith($"Cannot connect to PostgreSQL {builder.Host}:{builder.Port}/", e.Message, StringComparison.Ordinal);
        Assert.Contains("password authentication failed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", e.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_missing_database_is_reported_as_such()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresTestServer.RequireConnectionString()) { Database = "no_such_database_here" };
        await using var store = UmbraStoreFactory.Create(new StoreOptions { ConnectionString = builder.ConnectionString });

        var e = await Assert.ThrowsAsync<StoreException>(() => store.MigrateAsync(None));

        Assert.Contains("/no_such_database_here", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_query_on_an_unmigrated_schema_names_the_operation()
    {
        await using var db = await TestStore.CreateAsync(StoreKind.Postgres, migrate: false);

        var e = await Assert.ThrowsAsync<StoreException>(() => db.Store.ApiKeys.ListAsync(null, None));

        Assert.Contains("failed while listing API keys", e.Message, StringComparison.Ordinal);
        Assert.Contains("api_keys", e.Message, StringComparison.Ordinal);
    }
}
