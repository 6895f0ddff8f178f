using System.Text.Json.Serialization;

namespace Umbra.Protocol.Hub;

/// <summary>A model a provider serves.</summary>
public sealed record ModelOffer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("context_length")] int ContextLength);

/// <summary>An inference public key a provider holds, for clients to seal to.</summary>
public sealed record InferenceKeyInfo(
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("public_key")] string PublicKey,
    [property: JsonPropertyName("suite")] string Suite);

/// <summary>What the provider runs on, as it describes itself (attestation makes this checkable later).</summary>
public sealed record HardwareInfo(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("memory_bytes")] long MemoryBytes);

/// <summary>A canonical byte string and its signature, both base64url: the transport of bundles and receipts.</summary>
public sealed record SignedBlob(
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("signature")] string Signature);
