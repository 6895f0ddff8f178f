using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Umbra.Protocol.Sealing;

namespace Umbra.Bench;

/// <summary>What sealing costs: per request (seal at the client, open at the provider) and per streamed chunk.</summary>
[MemoryDiagnoser]
public class SealingBenchmarks
{
    private readonly RequestOpener _opener = new(new ReplayGuard(capacity: 10_000_000));
    private HpkePrivateKey _key = null!;
    private HpkePublicKey[] _three = [];
    private byte[] _body = [];
    private byte[] _chunkPayload = [];
    private SealedRequestEnvelope _envelope = null!;
    private ResponseSealer _sealer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = HpkePrivateKey.Generate();
        _three = [_key.PublicKey, HpkePrivateKey.Generate().PublicKey, HpkePrivateKey.Generate().PublicKey];
        _body = RandomNumberGenerator.GetBytes(2048); // a typical chat request
        _chunkPayload = RandomNumberGenerator.GetBytes(220); // one chat.completion.chunk event
        var sealedRequest = RequestSealer.Seal(_body, Metadata(), [_key.PublicKey]);
        _envelope = sealedRequest.Envelope;
        sealedRequest.PendingResponse.Dispose();
        _sealer = _opener.Open(_envelope, _key).Response;
    }

    private static RequestMetadata Metadata() => RequestMetadata.Create(RequestEndpoints.ChatCompletions, "model", 256, stream: true);

    [Benchmark(Description = "seal request, 1 recipient")]
    public int SealOne()
    {
        var s = RequestSealer.Seal(_body, Metadata(), [_key.PublicKey]);
        s.PendingResponse.Dispose();
        return s.Envelope.Ciphertext.Length;
    }

    [Benchmark(Description = "seal request, 3 recipients")]
    public int SealThree()
    {
        var s = RequestSealer.Seal(_body, Metadata(), _three);
        s.PendingResponse.Dispose();
        return s.Envelope.Ciphertext.Length;
    }

    [Benchmark(Description = "seal + open request (round trip)")]
    public int Open()
    {
        // A fresh envelope each time: the replay guard refuses a request id it has seen.
        var s = RequestSealer.Seal(_body, Metadata(), [_key.PublicKey]);
        s.PendingResponse.Dispose();
        using var opened = _opener.Open(s.Envelope, _key);
        return opened.Body.Length;
    }

    [Benchmark(Description = "seal + serialize one chunk")]
    public int SealChunk() => _sealer.Seal(_chunkPayload, final: false).ToUtf8Json().Length;
}
