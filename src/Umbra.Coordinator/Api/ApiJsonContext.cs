using System.Text.Json.Serialization;

namespace Umbra.Coordinator.Api;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ModelProviderList))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
