using System.Text.Json.Serialization;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// Source-generated JSON for the sealing wire types. Duplicate properties are refused so that no two readers
/// can disagree about which of two "model" fields counts; the shallow depth limit bounds the work a hostile
/// document's unknown fields can cause while leaving room for fields later versions add.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    MaxDepth = 32)]
[JsonSerializable(typeof(EnvelopeJson))]
[JsonSerializable(typeof(RecipientJson))]
[JsonSerializable(typeof(VersionProbeJson))]
[JsonSerializable(typeof(ChunkJson))]
internal sealed partial class SealingJsonContext : JsonSerializerContext
{
}
