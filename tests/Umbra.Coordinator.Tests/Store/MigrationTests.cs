using Umbra.Coordinator.Store;
using Umbra.Coordinator.Store.Migrations;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Store;

/// <summary>Start-up migrations, run against both stores.</summary>
public class MigrationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static int[] AllVersions(StoreKind kind) => [.. MigrationCatalog.For(kind).Select(m => m.Version)];

    [Theory, SqliteData, PostgresData]
    public async Task A_new_database_gets_every_migration_in_order(StoreKind kind)
    {
        await using var db = await TestStore.CreateAsync(kind, migrate: false);
        Assert.Empty(await db.Store.GetAppliedMigrationsAsync(None));

        await db.Store.MigrateAsync(None);

        Assert.Equal(AllVersions(kind), await db.Store.GetAppliedMigrationsAsync(None));
        Assert.Empty(await db.Store.ApiKeys.ListAsync(null, None));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Migrating_again_changes_nothing_and_keeps_the_data(StoreKind kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var created = await db.ApiKeys().CreateAsync("survivor", null, None);

        await db.Store.MigrateAsync(None);
        await using (var restarted = db.Open())
            await restarted.MigrateAsync(None);

        Assert.Equal(AllVersions(kind), await db.Store.GetAppliedMigrationsAsync(None));
        Assert.Equal(created.Key, Assert.Single(await db.Store.ApiKeys.ListAsync(null, None)));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Coordinators_starting_together_apply_each_migration_once(StoreKind kind)
    {
        await using var db = await TestStore.CreateAsync(kind, migrate: false);
        var stores = Enumerable.Range(0, 6).Select(_ => db.Open()).ToList();

        // Each instance has its own connections, as separate processes would; all race to migrate.
        using var start = new ManualResetEventSlim();
        var runs = stores.Select(s => Task.Run(async () =>
        {
            start.Wait();
            await s.MigrateAsync(None);
        })).ToList();
        start.Set();
        await Task.WhenAll(runs);

        Assert.Equal(AllVersions(kind), await db.Store.GetAppliedMigrationsAsync(None));
        var created = await db.ApiKeys().CreateAsync("after the race", null, None);
        Assert.NotNull(await db.ApiKeys().AuthenticateAsync(created.Secret, None));
    }

    [Theory, SqliteData, PostgresData]
    public async Task A_database_migrated_by_a_newer_build_is_refused(StoreKind kind)
    {
        await using var db = await TestStore.CreateAsync(kind);
        var future = AllVersions(kind).Length + 1;
        await ExecuteAsync(db, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({future}, 'from_the_future', {(kind == StoreKind.Sqlite ? "0" : "now()")})");

        var e = await Assert.ThrowsAsync<StoreException>(() => db.Store.MigrateAsync(None));

        Assert.Contains($"schema version {future}", e.Message, StringComparison.Ordinal);
        Assert.Contains("newer than this build", e.Message, StringComparison.Ordinal);
        Assert.Contains(db.Store.Description, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_dialects_have_the_same_numbered_migrations()
    {
        var sqlite = MigrationCatalog.For(StoreKind.Sqlite);
        var postgres = MigrationCatalog.For(StoreKind.Postgres);
        Assert.Equal(sqlite.Select(m => (m.Version, m.Name)), postgres.Select(m => (m.Version, m.Name)));
        Assert.Equal(Enumerable.Range(1, sqlite.Count), sqlite.Select(m => m.Version));
        Assert.All(sqlite.Concat(postgres), m => Assert.False(string.IsNullOrWhiteSpace(m.Sql)));
    }

    private static async Task ExecuteAsync(TestStore db, string sql)
    {
        if (db.Kind == StoreKind.Postgres)
        {
            await PostgresTestServer.ExecuteAsync($"SET search_path TO {db.Schema}; {sql}");
            return;
        }
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + db.ConnectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
