using System.Data.Common;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>
/// The API key queries, written once in SQL both dialects accept; the two subclasses say how ids and
/// times are represented (UUID text and epoch milliseconds in SQLite, uuid and timestamptz in PostgreSQL).
/// </summary>
internal abstract class SqlApiKeyStore(IConnectionSource connections) : IApiKeyStore
{
    private const string Columns = "id, name, owner, prefix, created_at, last_used_at, revoked_at";

    protected abstract object IdValue(Guid id);

    protected abstract object TimeValue(DateTimeOffset time);

    protected abstract Guid ReadId(DbDataReader reader, int ordinal);

    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    public async Task AddAsync(ApiKeyRecord key, ApiKeyHash hash, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO api_keys (id, name, owner, prefix, key_hash, created_at) VALUES (@id, @name, @owner, @prefix, @hash, @created)");
        command.With("@id", IdValue(key.Id)).With("@name", key.Name).With("@owner", key.Owner).With("@prefix", key.Prefix)
            .With("@hash", hash.ToArray()).With("@created", TimeValue(key.CreatedAt));
        await RunAsync("adding an API key", () => command.ExecuteNonQueryAsync(cancellationToken));
    }

    public async Task<IReadOnlyList<StoredApiKey>> FindByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns}, key_hash FROM api_keys WHERE prefix = @prefix").With("@prefix", prefix);
        return await RunAsync("looking up an API key", async () =>
        {
            var found = new List<StoredApiKey>(1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                found.Add(new StoredApiKey(Read(reader), ApiKeyHash.FromBytes(reader.GetFieldValue<byte[]>(7))));
            return found;
        });
    }

    public async Task<ApiKeyRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM api_keys WHERE id = @id").With("@id", IdValue(id));
        var keys = await ReadAllAsync(command, "reading an API key", cancellationToken);
        return keys.Count == 0 ? null : keys[0];
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? owner, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        // Two texts rather than "@owner IS NULL OR ...": PostgreSQL cannot infer the type of a null parameter.
        await using var command = owner is null
            ? connection.Command($"SELECT {Columns} FROM api_keys ORDER BY created_at, id")
            : connection.Command($"SELECT {Columns} FROM api_keys WHERE owner = @owner ORDER BY created_at, id").With("@owner", owner);
        return await ReadAllAsync(command, "listing API keys", cancellationToken);
    }

    public async Task<bool> RevokeAsync(Guid id, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.Command("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id")
            .With("@at", TimeValue(revokedAt)).With("@id", IdValue(id));
        return await RunAsync("revoking an API key", () => command.ExecuteNonQueryAsync(cancellationToken)) > 0;
    }

    public async Task<bool> RecordUseAsync(Guid id, DateTimeOffset usedAt, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @stale)")
            .With("@at", TimeValue(usedAt)).With("@id", IdValue(id)).With("@stale", TimeValue(staleBefore));
        return await RunAsync("recording an API key's use", () => command.ExecuteNonQueryAsync(cancellationToken)) > 0;
    }

    private async Task<List<ApiKeyRecord>> ReadAllAsync(DbCommand command, string operation, CancellationToken cancellationToken) =>
        await RunAsync(operation, async () =>
        {
            var keys = new List<ApiKeyRecord>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                keys.Add(Read(reader));
            return keys;
        });

    private ApiKeyRecord Read(DbDataReader reader) => new(
        ReadId(reader, 0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3),
        ReadTime(reader, 4),
        reader.IsDBNull(5) ? null : ReadTime(reader, 5),
        reader.IsDBNull(6) ? null : ReadTime(reader, 6));

    private async Task<T> RunAsync<T>(string operation, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (DbException e)
        {
            throw connections.Failure(operation, e);
        }
    }
}
