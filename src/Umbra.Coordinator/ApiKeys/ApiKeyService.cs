using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>
/// Creates, lists, revokes and authenticates API keys. Keys are generated and hashed here; the store only
/// ever receives the hash and the display prefix.
/// </summary>
public sealed class ApiKeyService
{
    private readonly IApiKeyStore store;
    private readonly TimeProvider time;
    private readonly TimeSpan lastUsedPrecision;
    private readonly ILogger logger;

    public ApiKeyService(IApiKeyStore store, TimeProvider time, IOptions<ApiKeyOptions> options, ILogger<ApiKeyService>? logger = null)
    {
        this.store = store;
        this.time = time;
        lastUsedPrecision = options.Value.LastUsedPrecision;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Makes a key. The returned <see cref="CreatedApiKey.Secret"/> is the only copy there will ever be.</summary>
    /// <exception cref="ArgumentException">The name is empty or too long, or the owner is too long.</exception>
    public async Task<CreatedApiKey> CreateAsync(string name, string? owner, CancellationToken cancellationToken)
    {
        name = Validated(name, nameof(name), ApiKeyOptions.MaxNameLength, required: true)!;
        owner = Validated(owner, nameof(owner), ApiKeyOptions.MaxOwnerLength, required: false);
        var now = Now();
        var secret = ApiKeyFormat.Generate();
        var key = new ApiKeyRecord(Guid.CreateVersion7(now), name, owner, ApiKeyFormat.DisplayPrefix(secret), now, null, null);
        await store.AddAsync(key, ApiKeyHash.Of(secret), cancellationToken);
        ApiKeyLog.Created(logger, key.Id);
        return new CreatedApiKey(key, secret);
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? owner, CancellationToken cancellationToken) =>
        store.ListAsync(owner, cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(Guid id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>From now on the key authenticates nothing. False: there is no such key.</summary>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeAsync(id, Now(), cancellationToken);
        if (revoked)
            ApiKeyLog.Revoked(logger, id);
        return revoked;
    }

    /// <summary>
    /// The key's record if <paramref name="presentedKey"/> is a live key; null if it is malformed, unknown
    /// or revoked. Failing to authenticate is an answer, not an error: only store failures throw.
    /// </summary>
    public async Task<ApiKeyRecord?> AuthenticateAsync(string? presentedKey, CancellationToken cancellationToken)
    {
        if (!ApiKeyFormat.IsWellFormed(presentedKey))
        {
            ApiKeyLog.Malformed(logger);
            return null;
        }
        var presented = ApiKeyHash.Of(presentedKey!);
        // Finding candidates by prefix leaks, through timing, only whether some key starts that way; the
        // secret part is compared as hashes in constant time.
        ApiKeyRecord? match = null;
        foreach (var candidate in await store.FindByPrefixAsync(ApiKeyFormat.DisplayPrefix(presentedKey!), cancellationToken))
        {
            if (candidate.Hash.Matches(presented))
                match = candidate.Key;
        }
        if (match is null)
        {
            ApiKeyLog.Unknown(logger);
            return null;
        }
        if (match.IsRevoked)
        {
            ApiKeyLog.RevokedUsed(logger, match.Id);
            return null;
        }
        var now = Now();
        if (match.LastUsedAt is null || now - match.LastUsedAt.Value >= lastUsedPrecision)
        {
            await store.RecordUseAsync(match.Id, now, now - lastUsedPrecision, cancellationToken);
            match = match with { LastUsedAt = now };
        }
        return match;
    }

    // Both stores keep milliseconds (SQLite as epoch milliseconds); truncating here makes what a caller is
    // handed equal to what it later reads back.
    private DateTimeOffset Now()
    {
        var ticks = time.GetUtcNow().UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private static string? Validated(string? value, string parameter, int maxLength, bool required)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return required ? throw new ArgumentException($"The API key's {parameter} must not be empty.", parameter) : null;
        }
        if (value.Length > maxLength)
            throw new ArgumentException($"The API key's {parameter} is {value.Length} characters long; at most {maxLength} are allowed.", parameter);
        if (value.Any(char.IsControl))
            throw new ArgumentException($"The API key's {parameter} must not contain control characters.", parameter);
        return value;
    }
}
