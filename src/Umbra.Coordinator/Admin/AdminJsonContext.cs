using System.Text.Json.Serialization;

namespace Umbra.Coordinator.Admin;

[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(AdminKeyView))]
[JsonSerializable(typeof(AdminKeyList))]
[JsonSerializable(typeof(ModelLoadRequest))]
[JsonSerializable(typeof(ModelLoadResult))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
