namespace Umbra.Coordinator.ApiKeys;

/// <summary>
/// Persistence for API keys, on SQLite or PostgreSQL. It sees hashes and records only: key generation,
/// hashing and comparison happen in <see cref="ApiKeyService"/>, so a secret never reaches a store.
/// </summary>
public interface IApiKeyStore
{
    Task AddAsync(ApiKeyRecord key, ApiKeyHash hash, CancellationToken cancellationToken);

    /// <summary>Every key whose display prefix is <paramref name="prefix"/>, revoked ones included.</summary>
    Task<IReadOnlyList<StoredApiKey>> FindByPrefixAsync(string prefix, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Keys by creation time (within one millisecond, in no set order); only <paramref name="owner"/>'s when it is given.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? owner, CancellationToken cancellationToken);

    /// <summary>Marks the key revoked at <paramref name="revokedAt"/>, keeping an earlier revocation time. False: no such key.</summary>
    Task<bool> RevokeAsync(Guid id, DateTimeOffset revokedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the last-used time to <paramref name="usedAt"/> unless it is already at or after
    /// <paramref name="staleBefore"/>: a write per minute per key instead of per request. True if written.
    /// </summary>
    Task<bool> RecordUseAsync(Guid id, DateTimeOffset usedAt, DateTimeOffset staleBefore, CancellationToken cancellationToken);
}
