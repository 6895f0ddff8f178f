using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.ApiKeys;

namespace Umbra.Coordinator.Store.Sqlite;

/// <summary>The store in one SQLite file, in WAL mode: the default, with nothing to install or set up.</summary>
internal sealed class SqliteUmbraStore : IUmbraStore, IConnectionSource
{
    // How long a connection waits for another writer (another process, or this one) before giving up.
    private const int BusyTimeoutMilliseconds = 10_000;

    private readonly string connectionString;
    private readonly string path;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public SqliteUmbraStore(StoreTarget target, TimeProvider time, ILoggerFactory loggerFactory)
    {
        SqliteRuntime.EnsureInitialized();
        connectionString = target.ConnectionString;
        path = target.SqlitePath!;
        Description = target.Description;
        this.time = time;
        logger = loggerFactory.CreateLogger<SqliteUmbraStore>();
        ApiKeys = new SqliteApiKeyStore(this);
    }

    public StoreKind Kind => StoreKind.Sqlite;

    public string Description { get; }

    public IApiKeyStore ApiKeys { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Per connection, not stored in the file: wait for a busy writer instead of failing at once, and
            // in WAL mode NORMAL durability survives an application crash without an fsync per commit.
            await connection.ExecuteAsync($"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;", cancellationToken);
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync();
            throw Failure("opening the database", e);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public StoreException Failure(string operation, DbException error) =>
        error is SqliteException sqlite ? SqliteErrors.Describe(path, operation, sqlite) : new StoreException($"The SQLite store '{path}' failed while {operation}: {error.Message}", error);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        CreateDirectory();
        await using var connection = (SqliteConnection)await OpenAsync(cancellationToken);
        try
        {
            // WAL lets readers go on while a writer commits. The mode is kept in the file, so this only changes
            // something the first time; reading it back also proves the file is a database before migrating.
            await using var command = connection.Command("PRAGMA journal_mode = WAL");
            var mode = await command.ExecuteScalarAsync(cancellationToken) as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new StoreException($"The SQLite store '{path}' could not switch to WAL journal mode (it reports '{mode}'); WAL needs a local file system with shared memory, not a network share.");
            await SqliteMigrator.RunAsync(connection, Description, time, logger, cancellationToken);
        }
        catch (SqliteException e)
        {
            throw Failure("migrating the schema", e);
        }
    }

    public async Task<IReadOnlyList<int>> GetAppliedMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = (SqliteConnection)await OpenAsync(cancellationToken);
        try
        {
            await using var exists = connection.Command("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
                return [];
            return await SqliteMigrator.AppliedAsync(connection, null, cancellationToken);
        }
        catch (SqliteException e)
        {
            throw Failure("reading the schema version", e);
        }
    }

    public void Dispose()
    {
        // Pooled connections keep the file (and its -wal) open; close them so the file can be moved or deleted.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void CreateDirectory()
    {
        var directory = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(directory))
            return;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"Cannot create the directory '{directory}' for the SQLite store: {e.Message}", e);
        }
    }
}
