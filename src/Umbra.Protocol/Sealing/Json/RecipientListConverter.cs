using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// Reads <c>"recipients"</c> but stops at the first entry past <see cref="SealedRequestEnvelope.MaxRecipients"/>,
/// so a hostile envelope cannot make the parser build a list of a million entries before it is refused.
/// </summary>
internal sealed class RecipientListConverter : JsonConverter<List<RecipientJson?>>
{
    public override List<RecipientJson?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new SealedMessageFormatException("The sealed request envelope's field \"recipients\" is not an array.");
        var entryInfo = (JsonTypeInfo<RecipientJson>)options.GetTypeInfo(typeof(RecipientJson));
        var entries = new List<RecipientJson?>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (entries.Count == SealedRequestEnvelope.MaxRecipients)
            {
                throw new SealedMessageFormatException(
                    $"The sealed request envelope's field \"recipients\" has more than {SealedRequestEnvelope.MaxRecipients} entries, the most a request may be sealed to.");
            }
            if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                throw new SealedMessageFormatException($"The sealed request envelope's field \"recipients[{entries.Count}]\" is not an object.");
            try
            {
                entries.Add(JsonSerializer.Deserialize(ref reader, entryInfo));
            }
            catch (JsonException e)
            {
                // A nested Deserialize starts its own path at "$"; put the entry's place back in front.
                var message = WireReader.InJsonTerms(e.Message).Replace("Path: $", $"Path: $.recipients[{entries.Count}]", StringComparison.Ordinal);
                throw new SealedMessageFormatException($"The sealed request envelope's field \"recipients[{entries.Count}]\" is not well-formed: {message}", e);
            }
        }
        return entries;
    }

    public override void Write(Utf8JsonWriter writer, List<RecipientJson?> value, JsonSerializerOptions options)
    {
        var entryInfo = (JsonTypeInfo<RecipientJson>)options.GetTypeInfo(typeof(RecipientJson));
        writer.WriteStartArray();
        foreach (var entry in value)
            JsonSerializer.Serialize(writer, entry!, entryInfo);
        writer.WriteEndArray();
    }
}
