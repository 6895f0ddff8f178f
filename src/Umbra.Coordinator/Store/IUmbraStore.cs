using Umbra.Coordinator.ApiKeys;

namespace Umbra.Coordinator.Store;

/// <summary>
/// The coordinator's durable state, on SQLite or PostgreSQL. It holds hashes of API keys and account
/// metadata; never an API key's secret and never prompt or completion text. Disposing closes its pooled
/// connections.
/// </summary>
public interface IUmbraStore : IAsyncDisposable, IDisposable
{
    StoreKind Kind { get; }

    /// <summary>Where the data lives, safe to print: a file path, or host, port and database (no password).</summary>
    string Description { get; }

    IApiKeyStore ApiKeys { get; }

    /// <summary>
    /// Brings the schema up to date: applies every numbered migration not yet recorded in
    /// <c>schema_migrations</c>, in order, each in its own transaction. Safe to call on every start-up and
    /// from several processes at once. Fails if the database was migrated by a newer build.
    /// </summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>The migration versions recorded in the database, ascending.</summary>
    Task<IReadOnlyList<int>> GetAppliedMigrationsAsync(CancellationToken cancellationToken);
}
