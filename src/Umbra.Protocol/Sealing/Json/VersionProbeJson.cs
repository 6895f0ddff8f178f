using System.Text.Json.Serialization;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// Only the <c>"umbra"</c> version field, read before anything else so that an envelope of a later version
/// is refused for its version, not for whatever shape its other fields took.
/// </summary>
internal sealed class VersionProbeJson
{
    [JsonPropertyName("umbra")]
    public int? Umbra { get; set; }
}
