using System.Text;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>The sealed response stream: live opening, and every attack in the spec's table detected.</summary>
public sealed class ResponseStreamTests : IDisposable
{
    private static readonly string[] Events =
    [
        """{"choices":[{"delta":{"content":"Once"}}]}""",
        """{"choices":[{"delta":{"content":" upon"}}]}""",
        """{"choices":[{"delta":{"content":" a time"}}]}""",
        """{"choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3}}""",
    ];

    private readonly HpkePrivateKey _keyA = HpkePrivateKey.Generate();
    private readonly HpkePrivateKey _keyB = HpkePrivateKey.Generate();
    private readonly SealedRequest _request;
    private readonly OpenedRequest _opened;

    public ResponseStreamTests()
    {
        _request = SealingTestKit.Seal(_keyA, _keyB);
        _opened = SealingTestKit.NewOpener().Open(_request.Envelope, _keyA);
    }

    private PendingResponse Pending => _request.PendingResponse;

    public void Dispose()
    {
        _opened.Dispose();
        _request.PendingResponse.Dispose();
        _keyA.Dispose();
        _keyB.Dispose();
    }

    public static TheoryData<string> Suites() => SealingTestKit.SuiteNames();

    [Theory]
    [MemberData(nameof(Suites))]
    public void Each_chunk_opens_as_soon_as_it_is_sealed(string suiteName)
    {
        var metadata = SealingTestKit.Metadata(SealingTestKit.Suite(suiteName));
        var (envelope, pending) = RequestSealer.Seal(SealingTestKit.Body, metadata, [_keyB.PublicKey]);
        using var _ = pending;
        using var opened = SealingTestKit.NewOpener().Open(envelope, _keyB);
        using var reader = pending.CreateOpener();
        Assert.Null(reader.KeyId);

        for (var i = 0; i < Events.Length; i++)
        {
            // Sealed, sent as JSON, parsed and opened before the next event exists: nothing waits for the end.
            var final = i == Events.Length - 1;
            var wire = opened.Response.Seal(Encoding.UTF8.GetBytes(Events[i]), final).ToUtf8Json();
            Assert.Equal(Events[i], Encoding.UTF8.GetString(reader.Open(SealedChunk.Parse(wire))));
            Assert.Equal((ulong)i + 1, reader.NextSequence);
            Assert.Equal(final, reader.IsComplete);
            Assert.Equal(_keyB.PublicKey.KeyId, reader.KeyId);
        }
        reader.EnsureComplete();
        Assert.True(opened.Response.IsComplete);
    }

    [Fact]
    public void A_non_streamed_response_is_one_final_chunk()
    {
        var chunk = _opened.Response.Seal("""{"choices":[{"message":{"content":"Once upon a time"}}]}"""u8, final: true);
        using var reader = Pending.CreateOpener();
        Assert.True(reader.TryOpen(chunk, out var payload));
        Assert.StartsWith("{\"choices\"", Encoding.UTF8.GetString(payload), StringComparison.Ordinal);
        reader.EnsureComplete();
    }

    [Fact]
    public void Chunk_zero_names_the_recipient_and_carries_the_salt_and_later_chunks_carry_neither()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        Assert.Equal(_keyA.PublicKey.KeyId, chunks[0].KeyId);
        Assert.Equal(32, chunks[0].Salt.Length);
        Assert.All(chunks.Skip(1), c => Assert.Null(c.KeyId));
        Assert.All(chunks.Skip(1), c => Assert.True(c.Salt.IsEmpty));
        Assert.Equal([0UL, 1, 2, 3], chunks.Select(c => c.Sequence));
        Assert.Equal([false, false, false, true], chunks.Select(c => c.Final));
        Assert.StartsWith("{\"seq\":0,\"final\":false,\"key_id\":\"" + _keyA.PublicKey.KeyId + "\",\"salt\":\"", Encoding.UTF8.GetString(chunks[0].ToUtf8Json()), StringComparison.Ordinal);
        Assert.StartsWith("{\"seq\":1,\"final\":false,\"ct\":\"", Encoding.UTF8.GetString(chunks[1].ToUtf8Json()), StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_opens_the_response_of_whichever_recipient_answered()
    {
        using var openedB = SealingTestKit.NewOpener().Open(_request.Envelope, _keyB);
        var fromA = SealingTestKit.SealAll(_opened.Response, "from A");
        var fromB = SealingTestKit.SealAll(openedB.Response, "from B");

        using var readerA = Pending.CreateOpener();
        Assert.Equal("from A"u8.ToArray(), readerA.Open(fromA[0]));
        Assert.Equal(_keyA.PublicKey.KeyId, readerA.KeyId);
        using var readerB = Pending.CreateOpener();
        Assert.Equal("from B"u8.ToArray(), readerB.Open(fromB[0]));
        Assert.Equal(_keyB.PublicKey.KeyId, readerB.KeyId);
    }

    [Fact]
    public void Reorder_is_detected()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        reader.Open(chunks[0]);
        var error = Assert.Throws<SealingException>(() => reader.Open(chunks[2]));
        Assert.Equal("Chunk 2 arrived where chunk 1 was expected: the response was reordered, or a chunk was dropped or duplicated.", error.Message);
        Assert.False(reader.TryOpen(chunks[2], out _));

        // Renumbering a chunk to fit the gap does not help: it only opens under its own nonce and A_n.
        var renumbered = new SealedChunk(1, chunks[2].Final, chunks[2].Ciphertext.Span);
        error = Assert.Throws<SealingException>(() => reader.Open(renumbered));
        Assert.Contains("Chunk 1 of the response", error.Message, StringComparison.Ordinal);
        Assert.Contains("failed authentication", error.Message, StringComparison.Ordinal);

        // Nothing moved: the genuine order still opens.
        Assert.Equal(1UL, reader.NextSequence);
        reader.Open(chunks[1]);
        reader.Open(chunks[2]);
    }

    [Fact]
    public void A_dropped_chunk_is_detected_and_the_stream_never_completes()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        reader.Open(chunks[0]);
        reader.Open(chunks[1]);
        Assert.Throws<SealingException>(() => reader.Open(chunks[3]));
        Assert.False(reader.IsComplete);
        Assert.Throws<SealingException>(reader.EnsureComplete);
    }

    [Fact]
    public void A_duplicate_is_detected()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        reader.Open(chunks[0]);
        reader.Open(chunks[1]);
        var error = Assert.Throws<SealingException>(() => reader.Open(chunks[1]));
        Assert.Contains("Chunk 1 arrived where chunk 2 was expected", error.Message, StringComparison.Ordinal);
        Assert.Throws<SealingException>(() => reader.Open(chunks[0]));
    }

    [Fact]
    public void Truncation_is_detected_at_the_end_of_the_stream()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        foreach (var chunk in chunks.Take(3))
            reader.Open(chunk);
        var error = Assert.Throws<SealingException>(reader.EnsureComplete);
        Assert.Equal($"The response to request {_request.Envelope.Metadata.RequestId} ended after 3 chunk(s) without its final chunk: it was truncated.", error.Message);

        using var empty = Pending.CreateOpener();
        Assert.Throws<SealingException>(empty.EnsureComplete);
    }

    [Fact]
    public void Moving_the_end_by_flipping_a_final_flag_is_detected()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        reader.Open(chunks[0]);
        var endedEarly = new SealedChunk(1, final: true, chunks[1].Ciphertext.Span);
        Assert.False(reader.TryOpen(endedEarly, out _));
        reader.Open(chunks[1]);
        reader.Open(chunks[2]);
        var neverEnding = new SealedChunk(3, final: false, chunks[3].Ciphertext.Span);
        Assert.False(reader.TryOpen(neverEnding, out _));
        Assert.False(reader.IsComplete);
    }

    [Fact]
    public void Nothing_opens_after_the_final_chunk()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        foreach (var chunk in chunks)
            reader.Open(chunk);

        // The next number, with any ciphertext: a chunk from another response to this request at that position.
        using var openedB = SealingTestKit.NewOpener().Open(_request.Envelope, _keyB);
        var other = SealingTestKit.SealAll(openedB.Response, "a", "b", "c", "d", "e");
        var error = Assert.Throws<SealingException>(() => reader.Open(other[4]));
        Assert.Equal("Chunk 4 arrived after the final chunk (3); nothing may follow the end of a response.", error.Message);
        Assert.False(reader.TryOpen(chunks[3], out _));
        reader.EnsureComplete();
    }

    [Fact]
    public void The_sealer_refuses_to_seal_after_the_final_chunk()
    {
        _opened.Response.Seal("last"u8, final: true);
        var error = Assert.Throws<InvalidOperationException>(() => _opened.Response.Seal("more"u8, final: false));
        Assert.Contains("nothing may be sealed after it", error.Message, StringComparison.Ordinal);
        Assert.Equal(1UL, _opened.Response.NextSequence);
    }

    [Fact]
    public void The_request_reflected_back_as_a_response_does_not_open()
    {
        var envelope = _request.Envelope;
        var entry = envelope.Recipients[0];
        var salt = new byte[32];
        using var reader = Pending.CreateOpener();
        foreach (var reflected in new[] { envelope.Ciphertext, entry.WrappedKey })
        {
            foreach (var final in new[] { false, true })
            {
                var chunk = new SealedChunk(0, final, reflected.Span, entry.KeyId, salt);
                Assert.False(reader.TryOpen(chunk, out _));
                var error = Assert.Throws<SealingException>(() => reader.Open(chunk));
                Assert.Contains("failed authentication", error.Message, StringComparison.Ordinal);
            }
        }
        Assert.Null(reader.KeyId);
    }

    [Fact]
    public void A_response_to_another_request_does_not_open()
    {
        var (otherEnvelope, otherPending) = SealingTestKit.Seal(_keyA);
        using var disposeOther = otherPending;
        using var otherOpened = SealingTestKit.NewOpener().Open(otherEnvelope, _keyA);
        var foreign = SealingTestKit.SealAll(otherOpened.Response, Events);
        var own = SealingTestKit.SealAll(_opened.Response, Events);

        using var reader = Pending.CreateOpener();
        Assert.False(reader.TryOpen(foreign[0], out _));
        reader.Open(own[0]);
        Assert.False(reader.TryOpen(foreign[1], out _));
        // Chunk 0 of another response to the same request, with its salt swapped for ours, fails too.
        using var again = Pending.CreateOpener();
        var spliced = new SealedChunk(0, false, foreign[0].Ciphertext.Span, own[0].KeyId, own[0].Salt.Span);
        Assert.False(again.TryOpen(spliced, out _));
    }

    [Fact]
    public void A_response_naming_a_key_the_request_was_not_sealed_to_is_refused()
    {
        var chunk = _opened.Response.Seal("x"u8, final: true);
        using var stranger = HpkePrivateKey.Generate();
        var renamed = new SealedChunk(0, true, chunk.Ciphertext.Span, stranger.PublicKey.KeyId, chunk.Salt.Span);
        using var reader = Pending.CreateOpener();
        var error = Assert.Throws<SealingException>(() => reader.Open(renamed));
        Assert.Contains($"names key id {stranger.PublicKey.KeyId}, which request", error.Message, StringComparison.Ordinal);

        // Naming the other genuine recipient, B, while sealed by A: B's context does not open it.
        var misattributed = new SealedChunk(0, true, chunk.Ciphertext.Span, _keyB.PublicKey.KeyId, chunk.Salt.Span);
        Assert.False(reader.TryOpen(misattributed, out _));
        Assert.Equal("x"u8.ToArray(), reader.Open(chunk));
    }

    [Fact]
    public void Any_flipped_bit_in_a_chunk_fails_without_moving_the_stream()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using var reader = Pending.CreateOpener();
        foreach (var chunk in chunks)
        {
            var ct = chunk.Ciphertext.ToArray();
            for (var bit = 0; bit < ct.Length * 8; bit += 7)
            {
                ct[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(reader.TryOpen(new SealedChunk(chunk.Sequence, chunk.Final, ct, chunk.KeyId, chunk.Salt.Span), out _));
                ct[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            var salt = chunk.Salt.ToArray();
            if (salt.Length > 0)
            {
                salt[5] ^= 0x10;
                Assert.False(reader.TryOpen(new SealedChunk(0, chunk.Final, ct, chunk.KeyId, salt), out _));
            }
            reader.Open(chunk);
        }
        reader.EnsureComplete();
    }

    [Fact]
    public void Openers_are_independent_and_disposal_is_enforced()
    {
        var chunks = SealingTestKit.SealAll(_opened.Response, Events);
        using (var first = Pending.CreateOpener())
            first.Open(chunks[0]);
        var second = Pending.CreateOpener();
        Assert.Equal(Encoding.UTF8.GetBytes(Events[0]), second.Open(chunks[0]));
        second.Dispose();
        Assert.Throws<ObjectDisposedException>(() => second.Open(chunks[1]));

        Pending.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Pending.CreateOpener());
    }
}
