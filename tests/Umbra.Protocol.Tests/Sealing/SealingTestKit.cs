using System.Text;
using System.Text.Json.Nodes;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>Requests, keys and JSON surgery shared by the sealing tests.</summary>
internal static class SealingTestKit
{
    public static readonly byte[] Body = """{"model":"llama-3.2-1b","messages":[{"role":"user","content":"Tell me a story"}],"stream":true}"""u8.ToArray();

    public static TheoryData<string> SuiteNames() => [SealingSuites.Aes256GcmName, SealingSuites.ChaCha20Poly1305Name];

    public static HpkeSuite Suite(string name) =>
        SealingSuites.TryGetSuite(name, out var suite) ? suite : throw new ArgumentException(name, nameof(name));

    public static RequestMetadata Metadata(HpkeSuite? suite = null) =>
        RequestMetadata.Create(RequestEndpoints.ChatCompletions, "llama-3.2-1b", 256, stream: true, suite);

    public static SealedRequest Seal(params HpkePrivateKey[] recipients) =>
        RequestSealer.Seal(Body, Metadata(), [.. recipients.Select(k => k.PublicKey)]);

    public static RequestOpener NewOpener(TimeProvider? time = null) => new(new ReplayGuard(time));

    public static JsonObject ToJson(SealedRequestEnvelope envelope) => JsonNode.Parse(envelope.ToUtf8Json())!.AsObject();

    public static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    public static SealedRequestEnvelope Reparse(JsonNode node) => SealedRequestEnvelope.Parse(Bytes(node));

    /// <summary>The envelope with one edit made to its JSON, as a relay could make it.</summary>
    public static SealedRequestEnvelope Edit(SealedRequestEnvelope envelope, Action<JsonObject> edit)
    {
        var json = ToJson(envelope);
        edit(json);
        return Reparse(json);
    }

    public static JsonObject Recipient(JsonObject envelope, int index) => envelope["recipients"]![index]!.AsObject();

    /// <summary>Every payload of a response, sealed and opened chunk by chunk.</summary>
    public static List<SealedChunk> SealAll(ResponseSealer sealer, params string[] payloads) =>
        [.. payloads.Select((p, i) => sealer.Seal(Encoding.UTF8.GetBytes(p), final: i == payloads.Length - 1))];
}
