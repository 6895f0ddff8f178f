using System.Text.Json.Serialization;

namespace Umbra.Protocol.Sealing;

/// <summary>A sealed response chunk as it travels; all fields optional so the parser names what is missing.</summary>
internal sealed class ChunkJson
{
    [JsonPropertyName("seq")]
    public ulong? Seq { get; set; }

    [JsonPropertyName("final")]
    public bool? Final { get; set; }

    [JsonPropertyName("key_id")]
    public string? KeyId { get; set; }

    [JsonPropertyName("salt")]
    public string? Salt { get; set; }

    [JsonPropertyName("ct")]
    public string? Ct { get; set; }
}
