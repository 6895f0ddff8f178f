using System.Text;
using System.Text.Json.Nodes;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>The chunk parser: strict, one exception naming the field, and chunk 0 unlike the rest.</summary>
public sealed class ChunkParsingTests : IDisposable
{
    private readonly HpkePrivateKey _key = HpkePrivateKey.Generate();
    private readonly SealedRequest _request;
    private readonly OpenedRequest _opened;
    private readonly List<SealedChunk> _chunks;

    public ChunkParsingTests()
    {
        _request = SealingTestKit.Seal(_key);
        _opened = SealingTestKit.NewOpener().Open(_request.Envelope, _key);
        _chunks = SealingTestKit.SealAll(_opened.Response, "{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
    }

    public void Dispose()
    {
        _opened.Dispose();
        _request.PendingResponse.Dispose();
        _key.Dispose();
    }

    [Fact]
    public void Chunks_round_trip_through_json_and_unknown_fields_are_ignored()
    {
        using var reader = _request.PendingResponse.CreateOpener();
        foreach (var chunk in _chunks)
        {
            var json = JsonNode.Parse(chunk.ToUtf8Json())!.AsObject();
            json["relay_hint"] = new JsonArray(1, 2);
            var parsed = SealedChunk.Parse(Encoding.UTF8.GetBytes(json.ToJsonString()));
            Assert.Equal(chunk.Sequence, parsed.Sequence);
            Assert.Equal(chunk.Final, parsed.Final);
            Assert.Equal(chunk.KeyId, parsed.KeyId);
            Assert.Equal(chunk.Salt.ToArray(), parsed.Salt.ToArray());
            Assert.Equal(chunk.Ciphertext.ToArray(), parsed.Ciphertext.ToArray());
            reader.Open(parsed);
        }
        reader.EnsureComplete();
    }

    public static TheoryData<int, string, string?, string> FieldEdits() => new()
    {
        // chunk index, field, new JSON value (null removes the field), text the message must contain
        { 1, "seq", null, "has no \"seq\" field" },
        { 1, "seq", "-1", "$.seq" },
        { 1, "seq", "1.0", "$.seq" },
        { 1, "seq", "18446744073709551616", "$.seq" },
        { 1, "seq", "\"1\"", "$.seq" },
        { 1, "final", null, "has no \"final\" field" },
        { 1, "final", "0", "$.final" },
        { 1, "ct", null, "has no \"ct\" field" },
        { 1, "ct", "\"AAAAAAAAAAAAAAAAAAAA\"", "field \"ct\" holds 15 bytes; it must hold at least 16." },
        { 1, "ct", "\"AAAAAAAAAAAAAAAAAAAAAA==\"", "field \"ct\" has '=' padding" },
        { 1, "key_id", "\"00112233445566778899aabbccddeeff\"", "field \"key_id\" appears on chunk 1; only chunk 0 names the recipient." },
        { 2, "salt", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", "field \"salt\" appears on chunk 2" },
        { 0, "key_id", null, "has no \"key_id\" field" },
        { 0, "key_id", "\"00112233445566778899AABBCCDDEEFF\"", "field \"key_id\" has the character U+0041" },
        { 0, "salt", null, "has no \"salt\" field" },
        { 0, "salt", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", "field \"salt\" holds 31 bytes; it must hold 32." },
    };

    [Theory]
    [MemberData(nameof(FieldEdits))]
    public void Each_malformed_field_is_refused_by_name(int index, string field, string? value, string expected)
    {
        var json = JsonNode.Parse(_chunks[index].ToUtf8Json())!.AsObject();
        if (value == null)
            json.Remove(field);
        else
            json[field] = JsonNode.Parse(value);
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedChunk.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The sealed response chunk", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"seq\":1,\"seq\":2,\"final\":false,\"ct\":\"AAAAAAAAAAAAAAAAAAAAAA\"}")]
    [InlineData("{\"seq\":1,\"final\":false,\"ct\":\"AAAAAAAAAAAAAAAAAAAAAA\"}x")]
    public void Documents_that_are_not_a_chunk_are_refused(string text)
    {
        Assert.Throws<SealedMessageFormatException>(() => SealedChunk.Parse(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void An_oversized_chunk_is_refused_before_parsing_and_an_oversized_payload_is_not_sealed()
    {
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedChunk.Parse(new byte[SealedChunk.MaxSize + 1]));
        Assert.Contains("the limit is 16777216 bytes", error.Message, StringComparison.Ordinal);
        using var opened = SealingTestKit.NewOpener().Open(SealingTestKit.Seal(_key).Envelope, _key);
        Assert.Throws<ArgumentException>(() => opened.Response.Seal(new byte[SealedChunk.MaxPayloadSize + 1], final: true));
        var largest = opened.Response.Seal(new byte[SealedChunk.MaxPayloadSize], final: true);
        Assert.InRange(largest.ToUtf8Json().Length, 1, SealedChunk.MaxSize);
    }

    [Fact]
    public void Every_truncation_of_a_real_chunk_is_refused_with_the_format_exception()
    {
        foreach (var chunk in _chunks.Take(2))
        {
            var bytes = chunk.ToUtf8Json();
            for (var length = 0; length < bytes.Length; length++)
            {
                var prefix = bytes.AsSpan(0, length).ToArray();
                Assert.IsType<SealedMessageFormatException>(Record.Exception(() => SealedChunk.Parse(prefix)));
            }
        }
    }

    [Fact]
    public void Random_garbage_and_corrupted_chunks_only_throw_sealing_exceptions_and_none_opens()
    {
        var random = new Random(7);
        var real = _chunks[0].ToUtf8Json();
        for (var round = 0; round < 3000; round++)
        {
            byte[] input;
            if (round % 3 == 0)
            {
                input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])real.Clone();
                for (var k = random.Next(1, 4); k > 0; k--)
                    input[random.Next(input.Length)] = "{}[]\",:0-9en\\ tfuA_"u8[random.Next(19)];
                // A byte overwritten with itself leaves the genuine chunk, which rightly opens.
                if (input.AsSpan().SequenceEqual(real))
                    continue;
            }
            var error = Record.Exception(() =>
            {
                var chunk = SealedChunk.Parse(input);
                using var reader = _request.PendingResponse.CreateOpener();
                reader.Open(chunk);
            });
            Assert.True(error is SealingException, $"Round {round}: {error?.GetType().Name ?? "opened"}: {error?.Message}");
        }
    }

    [Fact]
    public void Chunks_built_by_hand_follow_the_chunk_zero_rule()
    {
        var ct = new byte[16];
        var salt = new byte[32];
        const string KeyId = "00112233445566778899aabbccddeeff";
        Assert.Throws<ArgumentNullException>(() => new SealedChunk(0, false, ct));
        Assert.Throws<ArgumentException>(() => new SealedChunk(0, false, ct, KeyId));
        Assert.Throws<ArgumentException>(() => new SealedChunk(0, false, ct, KeyId.ToUpperInvariant(), salt));
        Assert.Throws<ArgumentException>(() => new SealedChunk(1, false, ct, KeyId));
        Assert.Throws<ArgumentException>(() => new SealedChunk(1, false, ct, salt: salt));
        Assert.Throws<ArgumentException>(() => new SealedChunk(1, false, new byte[15]));
        Assert.Equal(1UL, new SealedChunk(1, false, ct).Sequence);
    }
}
