using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using Umbra.Coordinator.ApiKeys;

namespace Umbra.Coordinator.Store.Postgres;

/// <summary>The store on a PostgreSQL server, for production and for several coordinator processes.</summary>
internal sealed class PostgresUmbraStore : IUmbraStore, IConnectionSource
{
    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public PostgresUmbraStore(StoreTarget target, TimeProvider time, ILoggerFactory loggerFactory)
    {
        // Npgsql logs statements at Debug but never parameter values unless asked to, and never passwords.
        dataSource = new NpgsqlDataSourceBuilder(target.ConnectionString).UseLoggerFactory(loggerFactory).Build();
        Description = target.Description;
        this.time = time;
        logger = loggerFactory.CreateLogger<PostgresUmbraStore>();
        ApiKeys = new PostgresApiKeyStore(this);
    }

    public StoreKind Kind => StoreKind.Postgres;

    public string Description { get; }

    public IApiKeyStore ApiKeys { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Refused, unreachable, timed out, bad password, no such database: Npgsql's message says which.
            throw new StoreException($"Cannot connect to {Description}: {e.Message}", e);
        }
    }

    public StoreException Failure(string operation, DbException error) =>
        new($"The store ({Description}) failed while {operation}: {error.Message}", error);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await OpenAsync(cancellationToken);
        try
        {
            await PostgresMigrator.RunAsync(connection, Description, time, logger, cancellationToken);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure("migrating the schema", e);
        }
    }

    public async Task<IReadOnlyList<int>> GetAppliedMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await OpenAsync(cancellationToken);
        try
        {
            await using var exists = connection.Command("SELECT to_regclass('schema_migrations') IS NOT NULL");
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
                return [];
            return await PostgresMigrator.AppliedAsync(connection, cancellationToken);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure("reading the schema version", e);
        }
    }

    public void Dispose() => dataSource.Dispose();

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
