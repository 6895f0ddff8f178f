using System.Text.Json.Serialization;

namespace Umbra.Protocol.Hub;

/// <summary>
/// A message on the provider hub WebSocket (docs/PROTOCOL.md, "Provider hub messages"). Each is one JSON text
/// frame with a "type" and the protocol version "v". A message of a type this build does not know parses as a
/// plain <see cref="HubMessage"/> (see <see cref="IsUnknown"/>) so a peer on a newer version can add types
/// without breaking this one; unknown fields are ignored the same way.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(RegisterMessage), "register")]
[JsonDerivedType(typeof(RegisteredMessage), "registered")]
[JsonDerivedType(typeof(HeartbeatMessage), "heartbeat")]
[JsonDerivedType(typeof(RequestMessage), "request")]
[JsonDerivedType(typeof(ChunkMessage), "chunk")]
[JsonDerivedType(typeof(CompleteMessage), "complete")]
[JsonDerivedType(typeof(ErrorMessage), "error")]
[JsonDerivedType(typeof(CancelMessage), "cancel")]
[JsonDerivedType(typeof(ChallengeMessage), "challenge")]
[JsonDerivedType(typeof(AttestationMessage), "attestation")]
[JsonDerivedType(typeof(LoadMessage), "load")]
public record HubMessage
{
    /// <summary>The hub protocol version this build speaks.</summary>
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>True for a message whose type this build does not know; callers ignore it.</summary>
    [JsonIgnore]
    public bool IsUnknown => GetType() == typeof(HubMessage);
}
