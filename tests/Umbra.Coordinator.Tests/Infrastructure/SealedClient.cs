using System.Net.Http.Headers;
using System.Text;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>What a sealing client does: seals a request body to provider keys and posts the envelope.</summary>
internal static class SealedClient
{
    public const string ContentType = "application/umbra-sealed+json";

    public static SealedRequest Seal(string endpoint, bool stream, string content = "hi", string model = "test-model", params HpkePublicKey[] keys)
    {
        var body = endpoint == RequestEndpoints.ChatCompletions
            ? $$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{content}}"}],"stream":{{(stream ? "true" : "false")}}}"""
            : $$"""{"model":"{{model}}","prompt":"{{content}}","stream":{{(stream ? "true" : "false")}}}""";
        return RequestSealer.Seal(Encoding.UTF8.GetBytes(body), RequestMetadata.Create(endpoint, model, 64, stream), keys);
    }

    public static ByteArrayContent Content(byte[] envelopeJson)
    {
        var content = new ByteArrayContent(envelopeJson);
        content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        return content;
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, SealedRequest request, HttpCompletionOption option = HttpCompletionOption.ResponseContentRead) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = Content(request.Envelope.ToUtf8Json()) }, option);
}
