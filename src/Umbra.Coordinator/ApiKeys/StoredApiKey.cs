namespace Umbra.Coordinator.ApiKeys;

/// <summary>A key's record with its hash, as the store returns it for authentication.</summary>
public sealed record StoredApiKey(ApiKeyRecord Key, ApiKeyHash Hash);
