using System.Text.Json.Serialization;

namespace Umbra.Protocol.Sealing;

/// <summary>One entry of an envelope's <c>"recipients"</c> as it travels.</summary>
internal sealed class RecipientJson
{
    [JsonPropertyName("key_id")]
    public string? KeyId { get; set; }

    [JsonPropertyName("enc")]
    public string? Enc { get; set; }

    [JsonPropertyName("wrapped_key")]
    public string? WrappedKey { get; set; }
}
