using System.Text.Json.Serialization;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Attestation;

/// <summary>The body of GET /v1/providers/attestation.</summary>
internal sealed record AttestationList(
    [property: JsonPropertyName("minimum_trust")] string MinimumTrust,
    [property: JsonPropertyName("data")] IReadOnlyList<ProviderAttestationView> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}

/// <summary>One connected provider: its bundle for anyone to verify, what the coordinator concluded, and its last challenge.</summary>
internal sealed record ProviderAttestationView(
    [property: JsonPropertyName("provider_id")] string ProviderId,
    [property: JsonPropertyName("routable")] bool Routable,
    [property: JsonPropertyName("trust_level")] string TrustLevel,
    [property: JsonPropertyName("attested")] bool Attested,
    [property: JsonPropertyName("bundle")] SignedBlob? Bundle,
    [property: JsonPropertyName("bundle_hash")] string? BundleHash,
    [property: JsonPropertyName("evidence")] string? Evidence,
    [property: JsonPropertyName("models")] IReadOnlyList<string> Models,
    [property: JsonPropertyName("key_ids")] IReadOnlyList<string> KeyIds,
    [property: JsonPropertyName("last_challenge")] ChallengeView? LastChallenge);

internal sealed record ChallengeView(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("round_trip_ms")] double RoundTripMs);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AttestationList))]
internal sealed partial class AttestationJsonContext : JsonSerializerContext;
