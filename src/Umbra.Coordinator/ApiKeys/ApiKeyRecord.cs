namespace Umbra.Coordinator.ApiKeys;

/// <summary>What the coordinator knows about an API key: everything but the key itself.</summary>
/// <param name="Prefix">The key's first characters (<c>umbra_</c> and 8 more), to tell keys apart in lists.</param>
public sealed record ApiKeyRecord(
    Guid Id,
    string Name,
    string? Owner,
    string Prefix,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}
