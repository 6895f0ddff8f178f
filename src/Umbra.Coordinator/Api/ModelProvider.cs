using System.Text.Json.Serialization;

namespace Umbra.Coordinator.Api;

/// <summary>One key of one live provider of a model: what a client needs to seal to it.</summary>
internal sealed record ModelProvider(
    [property: JsonPropertyName("provider_id")] string ProviderId,
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("public_key")] string PublicKey,
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("in_flight")] int InFlight)
{
    /// <summary>The provider's attestation (its verified bundle and what the coordinator concluded); the client verifies the bundle itself.</summary>
    [JsonPropertyName("attestation")]
    public ModelProviderAttestation? Attestation { get; init; }

    /// <summary>Whether the provider has the model loaded now (false: unloaded while idle, the next request loads it); absent when it has not said.</summary>
    [JsonPropertyName("loaded")]
    public bool? Loaded { get; init; }
}

/// <summary>The provider's last verified bundle and the trust level the coordinator computed (clients recompute it).</summary>
internal sealed record ModelProviderAttestation(
    [property: JsonPropertyName("trust_level")] string TrustLevel,
    [property: JsonPropertyName("bundle")] Umbra.Protocol.Hub.SignedBlob Bundle,
    [property: JsonPropertyName("bundle_hash")] string? BundleHash);
