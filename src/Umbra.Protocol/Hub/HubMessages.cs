using System.Text.Json;
using System.Text.Json.Serialization;

namespace Umbra.Protocol.Hub;

/// <summary>Provider → coordinator, first message after connecting.</summary>
public sealed record RegisterMessage : HubMessage
{
    [JsonPropertyName("provider_id")] public required string ProviderId { get; init; }
    [JsonPropertyName("models")] public required IReadOnlyList<ModelOffer> Models { get; init; }
    [JsonPropertyName("keys")] public required IReadOnlyList<InferenceKeyInfo> Keys { get; init; }
    [JsonPropertyName("hardware")] public HardwareInfo? Hardware { get; init; }

    /// <summary>Every sealed-request protocol version the provider can open.</summary>
    [JsonPropertyName("versions")] public IReadOnlyList<int> Versions { get; init; } = [1];

    /// <summary>The provider's signed attestation bundle (docs/ATTESTATION.md); absent from providers that predate attestation.</summary>
    [JsonPropertyName("attestation")] public SignedBlob? Attestation { get; init; }
}

/// <summary>Coordinator → provider: registration accepted.</summary>
public sealed record RegisteredMessage : HubMessage
{
    [JsonPropertyName("accepted_key_ids")] public required IReadOnlyList<string> AcceptedKeyIds { get; init; }
    [JsonPropertyName("heartbeat_seconds")] public int HeartbeatSeconds { get; init; } = 10;
}

/// <summary>
/// Provider → coordinator, periodically: its load. <see cref="Models"/> and <see cref="Machine"/> are optional
/// (absent from providers that predate capacity reports; older coordinators ignore them): the coordinator's
/// scheduler (docs/SCHEDULING.md) uses them when present and falls back to its own in-flight count otherwise.
/// </summary>
public sealed record HeartbeatMessage : HubMessage
{
    [JsonPropertyName("running")] public int Running { get; init; }
    [JsonPropertyName("waiting")] public int Waiting { get; init; }

    /// <summary>Each served model's engine capacity, as the engine last measured it.</summary>
    [JsonPropertyName("models")] public IReadOnlyList<ModelCapacity>? Models { get; init; }

    /// <summary>The machine's memory pressure, CPU load and thermal state, best effort.</summary>
    [JsonPropertyName("machine")] public MachineLoad? Machine { get; init; }

    /// <summary>True once the provider is draining: it finishes what it has and takes nothing new.</summary>
    [JsonPropertyName("draining")] public bool? Draining { get; init; }
}

/// <summary>Coordinator → provider: a sealed request to serve, under the coordinator's handle.</summary>
public sealed record RequestMessage : HubMessage
{
    [JsonPropertyName("handle")] public required string Handle { get; init; }

    /// <summary>The sealed envelope exactly as the client sent it.</summary>
    [JsonPropertyName("envelope")] public required JsonElement Envelope { get; init; }
}

/// <summary>Provider → coordinator: one sealed response chunk, relayed to the client exactly as it is.</summary>
public sealed record ChunkMessage : HubMessage
{
    [JsonPropertyName("handle")] public required string Handle { get; init; }

    /// <summary>The chunk's JSON (see SealedChunk: seq, final, ct, and key_id and salt on chunk 0).</summary>
    [JsonPropertyName("chunk")] public required JsonElement Chunk { get; init; }
}

/// <summary>Provider → coordinator: the request finished; token counts for billing.</summary>
public sealed record CompleteMessage : HubMessage
{
    [JsonPropertyName("handle")] public required string Handle { get; init; }
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int CompletionTokens { get; init; }

    /// <summary>The provider's signed receipt for this response (docs/ATTESTATION.md, "Receipts").</summary>
    [JsonPropertyName("receipt")] public SignedBlob? Receipt { get; init; }
}

/// <summary>Either direction: a request failed. <see cref="ContentSent"/> says whether chunks had gone out.</summary>
public sealed record ErrorMessage : HubMessage
{
    [JsonPropertyName("handle")] public required string Handle { get; init; }
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("content_sent")] public bool ContentSent { get; init; }
}

/// <summary>
/// Coordinator → provider: load <see cref="Model"/> now, ahead of demand, if it was unloaded while idle. No
/// answer; the next heartbeat reports it loaded. A model the provider does not serve is ignored.
/// </summary>
public sealed record LoadMessage : HubMessage
{
    [JsonPropertyName("model")] public required string Model { get; init; }
}

/// <summary>Coordinator → provider: the client went away; stop generating.</summary>
public sealed record CancelMessage : HubMessage
{
    [JsonPropertyName("handle")] public required string Handle { get; init; }
}

/// <summary>
/// Coordinator → provider: prove liveness and posture now. The provider answers with an
/// <see cref="AttestationMessage"/> carrying a bundle bound to <see cref="Nonce"/> within <see cref="DeadlineSeconds"/>.
/// </summary>
public sealed record ChallengeMessage : HubMessage
{
    /// <summary>Fresh random bytes, base64url.</summary>
    [JsonPropertyName("nonce")] public required string Nonce { get; init; }
    [JsonPropertyName("deadline_seconds")] public int DeadlineSeconds { get; init; } = 30;
}

/// <summary>
/// Provider → coordinator: a signed attestation bundle. With the nonce of a challenge it answers that challenge;
/// with an empty nonce it announces a change (a rotated key), which the coordinator confirms with a new challenge.
/// </summary>
public sealed record AttestationMessage : HubMessage
{
    [JsonPropertyName("nonce")] public string Nonce { get; init; } = "";
    [JsonPropertyName("bundle")] public required SignedBlob Bundle { get; init; }
}
