using System.Text.Json.Serialization;
using Umbra.Coordinator.ApiKeys;

namespace Umbra.Coordinator.Admin;

/// <summary>POST /admin/keys: the new key's name and, optionally, whom it belongs to.</summary>
internal sealed record CreateKeyRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("owner")] string? Owner);

/// <summary>An API key as the admin API shows it; <see cref="Key"/> (the secret) only in the answer to its creation.</summary>
internal sealed record AdminKeyView(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("owner")] string? Owner,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("last_used_at")] DateTimeOffset? LastUsedAt,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt,
    [property: JsonPropertyName("key"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null)
{
    public static AdminKeyView From(ApiKeyRecord r, string? secret = null) =>
        new(r.Id, r.Name, r.Owner, r.Prefix, r.CreatedAt, r.LastUsedAt, r.RevokedAt, secret);
}

internal sealed record AdminKeyList([property: JsonPropertyName("data")] IReadOnlyList<AdminKeyView> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}

/// <summary>POST /admin/models/{model}/load: how many providers to ask at most (all that unloaded it when absent).</summary>
internal sealed record ModelLoadRequest([property: JsonPropertyName("providers")] int? Providers);

/// <summary>Which providers were asked to load the model, and which report it loaded already.</summary>
internal sealed record ModelLoadResult(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("asked")] IReadOnlyList<string> Asked,
    [property: JsonPropertyName("already_loaded")] IReadOnlyList<string> AlreadyLoaded);
