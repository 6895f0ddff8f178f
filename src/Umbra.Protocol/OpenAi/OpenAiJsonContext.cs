using System.Text.Json.Serialization;

namespace Umbra.Protocol.OpenAi;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OpenAiErrorBody))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelObject))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
public sealed partial class OpenAiJsonContext : JsonSerializerContext;
