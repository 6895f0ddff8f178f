using System.Text.Json.Serialization;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// The sealed request envelope exactly as it travels. Every field is optional here so that the parser, not
/// the serializer, decides what is missing and says so by name; property order is the order written.
/// </summary>
internal sealed class EnvelopeJson
{
    [JsonPropertyName("umbra")]
    public int? Umbra { get; set; }

    [JsonPropertyName("request_id")]
    public string? RequestId { get; set; }

    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; set; }

    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; set; }

    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    [JsonPropertyName("suite")]
    public string? Suite { get; set; }

    [JsonPropertyName("recipients")]
    [JsonConverter(typeof(RecipientListConverter))]
    public List<RecipientJson?>? Recipients { get; set; }

    [JsonPropertyName("ciphertext")]
    public string? Ciphertext { get; set; }
}
