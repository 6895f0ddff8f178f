using System.Text.Json;
using System.Text.Json.Serialization;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Lets other wire types carry an <see cref="AttestationBundle"/> as a member; a malformed bundle is a
/// <see cref="JsonException"/> whose inner exception is the <see cref="AttestationException"/>.
/// </summary>
internal sealed class AttestationBundleJsonConverter : JsonConverter<AttestationBundle>
{
    public override AttestationBundle? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        var json = JsonSerializer.Deserialize(ref reader, AttestationJsonContext.Default.SignedBodyJson);
        try
        {
            var (body, signature) = SignedBodyJsonCodec.FromJson(json, "attestation bundle");
            return new AttestationBundle(body, signature);
        }
        catch (AttestationException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, AttestationBundle value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.ToJsonObject(), AttestationJsonContext.Default.SignedBodyJson);
}
