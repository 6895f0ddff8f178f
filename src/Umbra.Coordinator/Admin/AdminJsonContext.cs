using System.Text.Json.Serialization;

namespace Umbra.Coordinator.Admin;

[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(AdminKeyView))]
[JsonSerializable(typeof(AdminKeyList))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
