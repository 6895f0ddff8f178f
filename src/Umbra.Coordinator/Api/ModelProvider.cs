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
    /// <summary>The provider's attestation bundle, for the client to verify itself; none is collected yet.</summary>
    [JsonPropertyName("attestation")]
    public string? Attestation => null;
}
