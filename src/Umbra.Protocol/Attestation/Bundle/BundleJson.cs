using System.Text.Json.Serialization;

namespace Umbra.Protocol.Attestation;

/// <summary>A signed body as it travels in JSON (bundle or receipt): both fields base64url without padding.</summary>
internal sealed class SignedBodyJson
{
    [JsonPropertyName("body")]
    public string? Body { get; set; }

    [JsonPropertyName("signature")]
    public string? Signature { get; set; }
}

/// <summary>
/// Source-generated JSON for the attestation wire types; duplicate members are refused so that no two readers can
/// disagree about which "body" counts.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    MaxDepth = 8)]
[JsonSerializable(typeof(SignedBodyJson))]
internal sealed partial class AttestationJsonContext : JsonSerializerContext
{
}
