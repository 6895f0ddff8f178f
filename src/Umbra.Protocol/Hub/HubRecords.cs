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

/// <summary>One model's engine capacity in a heartbeat; speeds are moving averages, 0 until measured.</summary>
public sealed record ModelCapacity
{
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>
    /// False while the model is unloaded (idle for a while): the next request loads it first, which takes a moment.
    /// Absent from providers that never unload, and then taken as loaded.
    /// </summary>
    [JsonPropertyName("loaded")] public bool? Loaded { get; init; }

    /// <summary>Sequences admitted (prefilling or decoding).</summary>
    [JsonPropertyName("running")] public int Running { get; init; }

    /// <summary>Requests the engine holds waiting for room in its cache or a sequence slot.</summary>
    [JsonPropertyName("waiting")] public int Waiting { get; init; }

    /// <summary>Most sequences evaluated together.</summary>
    [JsonPropertyName("max_sequences")] public int MaxSequences { get; init; }

    /// <summary>KV cache tokens reserved now, and held in all: a request needs its prompt plus max_tokens free.</summary>
    [JsonPropertyName("tokens_used")] public int TokensUsed { get; init; }

    [JsonPropertyName("token_budget")] public int TokenBudget { get; init; }

    /// <summary>Prompt tokens per second (moving average).</summary>
    [JsonPropertyName("prefill_tps")] public double PrefillTokensPerSecond { get; init; }

    /// <summary>Generated tokens per second over all running sequences together (moving average).</summary>
    [JsonPropertyName("decode_tps")] public double DecodeTokensPerSecond { get; init; }
}

/// <summary>How the provider's machine is doing, best effort; null fields (and thermal "unknown") were not readable.</summary>
public sealed record MachineLoad
{
    /// <summary>Share of memory in use, 0 to 1 (1 − available / total).</summary>
    [JsonPropertyName("memory_pressure")] public double? MemoryPressure { get; init; }

    /// <summary>One-minute load average per core (1 = every core busy).</summary>
    [JsonPropertyName("cpu_load")] public double? CpuLoad { get; init; }

    private readonly string _thermal = ThermalStates.Unknown;

    /// <summary>One of <see cref="ThermalStates"/>; unknown when absent.</summary>
    // Normalized in the setter rather than left to an initializer: the source-generated reader sets every
    // init-only property, absent ones to null.
    [JsonPropertyName("thermal")]
    public string Thermal { get => _thermal; init => _thermal = value ?? ThermalStates.Unknown; }
}

/// <summary>The thermal states a heartbeat names, coolest first; anything else reads as unknown.</summary>
public static class ThermalStates
{
    public const string Nominal = "nominal";
    public const string Fair = "fair";
    public const string Serious = "serious";
    public const string Critical = "critical";
    public const string Unknown = "unknown";
}
