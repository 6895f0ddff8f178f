using System.Text.Json.Serialization;

namespace Umbra.Protocol.Hub;

// The discriminator may come anywhere in the object: peers are not required to write "type" first.
// Nullability and required constructor parameters are enforced: a peer cannot slip a null past a non-null field.
[JsonSourceGenerationOptions(AllowOutOfOrderMetadataProperties = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(HubMessage))]
internal sealed partial class HubJsonContext : JsonSerializerContext;
