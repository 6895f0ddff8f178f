using Microsoft.Extensions.Logging;
using Npgsql;
using Umbra.Coordinator.Store.Migrations;

namespace Umbra.Coordinator.Store.Postgres;

internal static class PostgresMigrator
{
    // Any fixed 64-bit number works as long as every coordinator uses the same one: "umbramig" in ASCII.
    private const long LockKey = 0x756D_6272_616D_6967;

    private const string CreateHistory =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)";

    public static async Task RunAsync(NpgsqlConnection connection, string store, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var migrations = MigrationCatalog.For(StoreKind.Postgres);
        // A session-level advisory lock serializes coordinators that start together: the second waits here,
        // then reads the history the first wrote. (Even CREATE TABLE IF NOT EXISTS can fail with a unique
        // violation when two sessions race on it, so the lock comes before any DDL.) Should the unlock below
        // not run, closing the connection releases the lock: returning to Npgsql's pool runs DISCARD ALL.
        await using (var command = connection.Command("SELECT pg_advisory_lock(@key)"))
            await command.With("@key", LockKey).ExecuteNonQueryAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(CreateHistory, cancellationToken);
            var applied = await AppliedAsync(connection, cancellationToken);
            MigrationRules.EnsureNotNewer(applied, migrations, store);
            foreach (var migration in migrations)
            {
                if (applied.Contains(migration.Version))
                    continue;
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(migration.Sql, cancellationToken, transaction);
                await using (var record = connection.Command("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)", transaction))
                {
                    await record.With("@version", migration.Version).With("@name", migration.Name)
                        .With("@at", time.GetUtcNow().ToUniversalTime()).ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                StoreLog.MigrationApplied(logger, migration.Version, migration.Name, store);
            }
            StoreLog.SchemaCurrent(logger, store, migrations.Count);
        }
        finally
        {
            try
            {
                await using var unlock = connection.Command("SELECT pg_advisory_unlock(@key)");
                await unlock.With("@key", LockKey).ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // The connection is broken, so its session and lock are gone; the error that broke it is the one to report.
            }
        }
    }

    public static async Task<List<int>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var versions = new List<int>();
        await using var command = connection.Command("SELECT version FROM schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            versions.Add(reader.GetInt32(0));
        return versions;
    }
}
