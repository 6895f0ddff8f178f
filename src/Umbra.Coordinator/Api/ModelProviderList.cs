using System.Text.Json.Serialization;

namespace Umbra.Coordinator.Api;

/// <summary>The body of GET /v1/models/{model}/providers.</summary>
internal sealed record ModelProviderList(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelProvider> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}
