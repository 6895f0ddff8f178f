using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>Sealing and opening requests: round trips, and every routing field bound so that changing it fails.</summary>
public sealed class RequestSealingTests : IDisposable
{
    private readonly HpkePrivateKey _keyA = HpkePrivateKey.Generate();
    private readonly HpkePrivateKey _keyB = HpkePrivateKey.Generate();
    private readonly HpkePrivateKey _keyC = HpkePrivateKey.Generate();

    public void Dispose()
    {
        _keyA.Dispose();
        _keyB.Dispose();
        _keyC.Dispose();
    }

    public static TheoryData<string> Suites() => SealingTestKit.SuiteNames();

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_request_opens_with_its_metadata_and_body(string suiteName)
    {
        var metadata = SealingTestKit.Metadata(SealingTestKit.Suite(suiteName));
        var (envelope, pending) = RequestSealer.Seal(SealingTestKit.Body, metadata, [_keyA.PublicKey]);
        using var _ = pending;
        Assert.Equal(SealingTestKit.Body.Length + 16, envelope.Ciphertext.Length);

        using var opened = SealingTestKit.NewOpener().Open(SealedRequestEnvelope.Parse(envelope.ToUtf8Json()), _keyA);
        Assert.Equal(SealingTestKit.Body, opened.Body.ToArray());
        Assert.Equal(metadata, opened.Metadata);
        Assert.Equal(_keyA.PublicKey.KeyId, opened.KeyId);
        Assert.Equal(metadata.RequestId, opened.Response.RequestId);
        Assert.Equal(_keyA.PublicKey.KeyId, opened.Response.KeyId);
    }

    [Fact]
    public void An_empty_body_seals_and_opens()
    {
        var (envelope, pending) = RequestSealer.Seal([], SealingTestKit.Metadata(), [_keyA.PublicKey]);
        using var _ = pending;
        using var opened = SealingTestKit.NewOpener().Open(envelope, _keyA);
        Assert.True(opened.Body.IsEmpty);
    }

    [Fact]
    public void The_same_envelope_opens_at_each_of_several_recipients_with_their_own_keys()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA, _keyB, _keyC);
        using var _ = pending;
        Assert.Equal([_keyA.PublicKey.KeyId, _keyB.PublicKey.KeyId, _keyC.PublicKey.KeyId], pending.KeyIds);
        var bytes = envelope.ToUtf8Json();
        foreach (var key in new[] { _keyA, _keyB, _keyC })
        {
            // Each provider is its own process with its own replay guard.
            using var opened = SealingTestKit.NewOpener().Open(SealedRequestEnvelope.Parse(bytes), key);
            Assert.Equal(SealingTestKit.Body, opened.Body.ToArray());
        }
    }

    [Fact]
    public void A_key_the_request_was_not_sealed_to_is_refused_naming_the_recipients()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA, _keyB);
        using var _ = pending;
        var error = Assert.Throws<SealingException>(() => SealingTestKit.NewOpener().Open(envelope, _keyC));
        Assert.Equal(
            $"Request {envelope.Metadata.RequestId} is not sealed to key {_keyC.PublicKey.KeyId}; its recipients are {_keyA.PublicKey.KeyId}, {_keyB.PublicKey.KeyId}.",
            error.Message);
    }

    [Fact]
    public void During_a_rotation_the_key_the_request_names_is_chosen_from_several()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyB);
        using var _ = pending;
        using var opened = SealingTestKit.NewOpener().Open(envelope, [_keyA, _keyB]);
        Assert.Equal(_keyB.PublicKey.KeyId, opened.KeyId);
        Assert.Throws<SealingException>(() => SealingTestKit.NewOpener().Open(envelope, [_keyA, _keyC]));
    }

    public static TheoryData<string> RoutingEdits() =>
    [
        "model", "max_tokens up", "max_tokens removed", "max_tokens added", "stream", "endpoint", "request_id", "suite",
        "ciphertext", "recipients swapped", "recipient removed", "recipient added", "key ids swapped",
    ];

    [Theory]
    [MemberData(nameof(RoutingEdits))]
    public void Altering_any_routing_field_or_the_recipient_list_makes_opening_fail(string edit)
    {
        var metadata = edit == "max_tokens added" ? SealingTestKit.Metadata() with { MaxTokens = null } : SealingTestKit.Metadata();
        var (envelope, pending) = RequestSealer.Seal(SealingTestKit.Body, metadata, [_keyA.PublicKey, _keyB.PublicKey]);
        using var _ = pending;
        var (other, otherPending) = SealingTestKit.Seal(_keyC);
        using var __ = otherPending;

        var altered = SealingTestKit.Edit(envelope, json =>
        {
            var recipients = json["recipients"]!.AsArray();
            switch (edit)
            {
                case "model": json["model"] = "llama-3.1-405b"; break;
                case "max_tokens up": json["max_tokens"] = 100_000; break;
                case "max_tokens removed": json.Remove("max_tokens"); break;
                case "max_tokens added": json["max_tokens"] = 16; break;
                case "stream": json["stream"] = false; break;
                case "endpoint": json["endpoint"] = RequestEndpoints.Completions; break;
                case "request_id": json["request_id"] = RequestId.New().ToString(); break;
                case "suite": json["suite"] = SealingSuites.ChaCha20Poly1305Name; break;
                case "ciphertext": json["ciphertext"] = SealingTestKit.ToJson(other)["ciphertext"]!.DeepClone(); break;
                case "recipients swapped":
                    var first = recipients[0]!;
                    recipients.RemoveAt(0);
                    recipients.Add(first);
                    break;
                case "recipient removed": recipients.RemoveAt(0); break;
                case "recipient added": recipients.Add(SealingTestKit.Recipient(SealingTestKit.ToJson(other), 0).DeepClone()); break;
                case "key ids swapped":
                    // Each entry moved to the other key: A's enc and wrapped key now claim to be B's, and back.
                    var a = SealingTestKit.Recipient(json, 0);
                    var b = SealingTestKit.Recipient(json, 1);
                    (a["key_id"], b["key_id"]) = ((string?)b["key_id"], (string?)a["key_id"]);
                    break;
                default: throw new ArgumentException(edit, nameof(edit));
            }
        });

        var keys = edit == "recipient removed" ? new[] { _keyB } : [_keyA, _keyB];
        foreach (var key in keys)
        {
            var error = Assert.Throws<SealingException>(() => SealingTestKit.NewOpener().Open(altered, key));
            Assert.Contains("failed authentication", error.Message, StringComparison.Ordinal);
        }
        // The untouched envelope still opens: the failure was the edit.
        using var opened = SealingTestKit.NewOpener().Open(envelope, _keyA);
    }

    [Fact]
    public void Another_requests_entry_or_enc_does_not_open()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA);
        using var _ = pending;
        var (other, otherPending) = SealingTestKit.Seal(_keyA);
        using var __ = otherPending;
        var otherEntry = SealingTestKit.Recipient(SealingTestKit.ToJson(other), 0);

        foreach (var field in new[] { "enc", "wrapped_key" })
        {
            var altered = SealingTestKit.Edit(envelope, json => SealingTestKit.Recipient(json, 0)[field] = otherEntry[field]!.DeepClone());
            Assert.Throws<SealingException>(() => SealingTestKit.NewOpener().Open(altered, _keyA));
        }
    }

    [Fact]
    public void Damaging_one_recipients_entry_stops_only_that_recipient()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA, _keyB);
        using var _ = pending;
        var altered = SealingTestKit.Edit(envelope, json =>
        {
            var entry = SealingTestKit.Recipient(json, 0);
            Assert.True(Base64UrlStrict.TryDecode((string)entry["wrapped_key"]!, out var wrapped, out var problem), problem);
            wrapped[0] ^= 1;
            entry["wrapped_key"] = Base64UrlStrict.Encode(wrapped);
        });
        Assert.Throws<SealingException>(() => SealingTestKit.NewOpener().Open(altered, _keyA));
        using var opened = SealingTestKit.NewOpener().Open(altered, _keyB);
        Assert.Equal(SealingTestKit.Body, opened.Body.ToArray());
    }

    [Fact]
    public void An_enc_that_is_not_a_curve_point_is_refused_as_a_sealing_error()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA);
        using var _ = pending;
        var bad = new byte[65];
        bad[0] = 0x04;
        bad[64] = 0x01;
        var altered = SealingTestKit.Edit(envelope, json => SealingTestKit.Recipient(json, 0)["enc"] = Base64UrlStrict.Encode(bad));
        var error = Assert.Throws<SealingException>(() => SealingTestKit.NewOpener().Open(altered, _keyA));
        Assert.Contains("encapsulated key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sealing_refuses_bad_metadata_and_recipient_lists_with_argument_errors()
    {
        var body = SealingTestKit.Body;
        var keys = new[] { _keyA.PublicKey };
        var good = SealingTestKit.Metadata();
        AssertRefused(() => RequestSealer.Seal(body, good with { RequestId = default }, keys), "request_id");
        AssertRefused(() => RequestSealer.Seal(body, good with { Endpoint = "embeddings" }, keys), "endpoint");
        AssertRefused(() => RequestSealer.Seal(body, good with { Model = "" }, keys), "model");
        AssertRefused(() => RequestSealer.Seal(body, good with { Model = new string('m', 257) }, keys), "model");
        AssertRefused(() => RequestSealer.Seal(body, good with { MaxTokens = 0 }, keys), "max_tokens");
        AssertRefused(() => RequestSealer.Seal(body, good with { Suite = HpkeSuite.P256Sha256Aes128Gcm }, keys), "suite");
        AssertRefused(() => RequestSealer.Seal(body, good with { Suite = HpkeSuite.P256Sha256ExportOnly }, keys), "suite");
        AssertRefused(() => RequestSealer.Seal(body, good, []), "1 to 16 recipients");
        AssertRefused(() => RequestSealer.Seal(body, good, [.. Enumerable.Repeat(_keyA.PublicKey, 17)]), "1 to 16 recipients");
        AssertRefused(() => RequestSealer.Seal(body, good, [_keyA.PublicKey, _keyB.PublicKey, _keyA.PublicKey]), "more than once");
    }

    [Fact]
    public void Opening_wipes_nothing_the_caller_still_needs_and_disposal_wipes_the_body()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA);
        using var _ = pending;
        var opened = SealingTestKit.NewOpener().Open(envelope, _keyA);
        var body = opened.Body;
        Assert.Equal(SealingTestKit.Body, body.ToArray());
        opened.Dispose();
        Assert.All(body.ToArray(), b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => opened.Body);
        Assert.Throws<ObjectDisposedException>(() => opened.Response.Seal("x"u8, final: true));
    }

    [Fact]
    public void Envelopes_built_by_hand_are_checked_like_parsed_ones()
    {
        var (envelope, pending) = SealingTestKit.Seal(_keyA);
        using var _ = pending;
        var entry = envelope.Recipients[0];
        var rebuilt = new SealedRequestEnvelope(envelope.Metadata, [entry], envelope.Ciphertext.Span);
        Assert.Equal(envelope.ToUtf8Json(), rebuilt.ToUtf8Json());

        Assert.Throws<ArgumentException>(() => new SealedRequestEnvelope(envelope.Metadata, [], envelope.Ciphertext.Span));
        Assert.Throws<ArgumentException>(() => new SealedRequestEnvelope(envelope.Metadata, [entry, entry], envelope.Ciphertext.Span));
        Assert.Throws<ArgumentException>(() => new SealedRequestEnvelope(envelope.Metadata, [entry], new byte[15]));
        Assert.Throws<ArgumentException>(() => new SealedRequestEnvelope(envelope.Metadata with { Model = "a\tb" }, [entry], envelope.Ciphertext.Span));
        Assert.Throws<ArgumentException>(() => new RecipientEntry(entry.KeyId.ToUpperInvariant(), entry.EncapsulatedKey.Span, entry.WrappedKey.Span));
        Assert.Throws<ArgumentException>(() => new RecipientEntry(entry.KeyId, entry.EncapsulatedKey.Span[1..], entry.WrappedKey.Span));
        Assert.Throws<ArgumentException>(() => new RecipientEntry(entry.KeyId, entry.EncapsulatedKey.Span, entry.WrappedKey.Span[1..]));
    }

    private static void AssertRefused(Action seal, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(seal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
