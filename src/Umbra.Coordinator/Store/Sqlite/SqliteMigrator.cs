using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Store.Migrations;

namespace Umbra.Coordinator.Store.Sqlite;

internal static class SqliteMigrator
{
    private const string CreateHistory =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

    public static async Task RunAsync(SqliteConnection connection, string store, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var migrations = MigrationCatalog.For(StoreKind.Sqlite);
        foreach (var migration in migrations)
        {
            // BEGIN IMMEDIATE (BeginTransaction with deferred: false) takes the database's write lock before
            // anything is read, so a second process starting at the same moment waits on the busy timeout and
            // then finds the migration recorded, instead of both applying it.
            using var transaction = connection.BeginTransaction(deferred: false);
            await connection.ExecuteAsync(CreateHistory, cancellationToken, transaction);
            var applied = await AppliedAsync(connection, transaction, cancellationToken);
            MigrationRules.EnsureNotNewer(applied, migrations, store);
            if (applied.Contains(migration.Version))
            {
                transaction.Commit();
                continue;
            }
            await connection.ExecuteAsync(migration.Sql, cancellationToken, transaction);
            await using (var record = connection.Command("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)", transaction))
            {
                await record.With("@version", migration.Version).With("@name", migration.Name)
                    .With("@at", time.GetUtcNow().ToUnixTimeMilliseconds()).ExecuteNonQueryAsync(cancellationToken);
            }
            transaction.Commit();
            StoreLog.MigrationApplied(logger, migration.Version, migration.Name, store);
        }
        StoreLog.SchemaCurrent(logger, store, migrations.Count);
    }

    public static async Task<List<int>> AppliedAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        var versions = new List<int>();
        await using var command = connection.Command("SELECT version FROM schema_migrations ORDER BY version", transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            versions.Add(reader.GetInt32(0));
        return versions;
    }
}
