using System.Text;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>The sample in docs/PROTOCOL.md ("Using the sealing API"), run as written, so the doc stays true.</summary>
public sealed class ApiSampleTests
{
    [Fact]
    public void The_documented_flow_works_end_to_end()
    {
        using var inferenceKey = HpkePrivateKey.Generate();
        using var otherKey = HpkePrivateKey.Generate();
        var candidateA = otherKey.PublicKey;
        var candidateB = inferenceKey.PublicKey;
        var requestJsonUtf8 = SealingTestKit.Body;
        var rendered = new StringBuilder();

        // Client: seal to the keys of the candidates it has verified (one or several).
        var metadata = RequestMetadata.Create(RequestEndpoints.ChatCompletions, "llama-3.2-1b", maxTokens: 256, stream: true);
        var (envelope, pending) = RequestSealer.Seal(requestJsonUtf8, metadata, [candidateA, candidateB]);
        using var _ = pending;
        byte[] toCoordinator = envelope.ToUtf8Json();

        // Coordinator: reads the routing fields, never the body.
        var routed = SealedRequestEnvelope.Parse(toCoordinator);
        string model = routed.Metadata.Model;
        Assert.Equal("llama-3.2-1b", model);
        var toProvider = toCoordinator;

        // Provider: one ReplayGuard per process, shared by everything that opens requests.
        var toClient = new List<byte[]>();
        var opener = new RequestOpener(new ReplayGuard());
        using (var request = opener.Open(SealedRequestEnvelope.Parse(toProvider), inferenceKey))
        {
            foreach (var (eventJson, last) in Generate(request.Metadata, request.Body))
                toClient.Add(request.Response.Seal(eventJson, final: last).ToUtf8Json());
        }

        // Client: open each chunk as it arrives; nothing is buffered.
        using var reader = pending.CreateOpener();
        foreach (var data in toClient)
            rendered.Append(Encoding.UTF8.GetString(reader.Open(SealedChunk.Parse(data))));
        reader.EnsureComplete();

        Assert.Equal("Once upon a time", rendered.ToString());
    }

    private static IEnumerable<(byte[] EventJson, bool Last)> Generate(RequestMetadata metadata, ReadOnlyMemory<byte> body)
    {
        Assert.True(metadata.Stream);
        Assert.Equal(SealingTestKit.Body, body.ToArray());
        yield return ("Once"u8.ToArray(), false);
        yield return (" upon"u8.ToArray(), false);
        yield return (" a time"u8.ToArray(), true);
    }
}
