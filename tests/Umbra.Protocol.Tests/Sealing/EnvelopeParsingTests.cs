using System.Text;
using System.Text.Json.Nodes;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>The envelope parser: what it accepts, and the one exception, naming the field, for everything else.</summary>
public sealed class EnvelopeParsingTests : IDisposable
{
    private readonly HpkePrivateKey _keyA = HpkePrivateKey.Generate();
    private readonly HpkePrivateKey _keyB = HpkePrivateKey.Generate();
    private readonly SealedRequest _sealed;

    public EnvelopeParsingTests()
    {
        _sealed = SealingTestKit.Seal(_keyA, _keyB);
    }

    private SealedRequestEnvelope Envelope => _sealed.Envelope;

    public void Dispose()
    {
        _sealed.PendingResponse.Dispose();
        _keyA.Dispose();
        _keyB.Dispose();
    }

    [Fact]
    public void Json_has_the_spec_fields_in_order_and_parses_back_to_the_same_envelope()
    {
        var json = SealingTestKit.ToJson(Envelope);
        Assert.Equal(["umbra", "request_id", "endpoint", "model", "max_tokens", "stream", "suite", "recipients", "ciphertext"], json.Select(p => p.Key));
        Assert.Equal(1, (int)json["umbra"]!);
        Assert.Equal("P256-SHA256-AES256GCM", (string?)json["suite"]);
        Assert.Equal(22, ((string)json["request_id"]!).Length);
        Assert.Equal(["key_id", "enc", "wrapped_key"], SealingTestKit.Recipient(json, 0).Select(p => p.Key));
        Assert.DoesNotContain("=", json.ToJsonString(), StringComparison.Ordinal);

        var parsed = SealedRequestEnvelope.Parse(Envelope.ToUtf8Json());
        Assert.Equal(Envelope.Metadata, parsed.Metadata);
        Assert.Equal(Envelope.Ciphertext.ToArray(), parsed.Ciphertext.ToArray());
        Assert.Equal(Envelope.Recipients.Select(r => r.KeyId), parsed.Recipients.Select(r => r.KeyId));
        Assert.Equal(Envelope.Recipients.Select(r => Convert.ToHexString(r.EncapsulatedKey.Span)), parsed.Recipients.Select(r => Convert.ToHexString(r.EncapsulatedKey.Span)));
        Assert.Equal(Envelope.Recipients.Select(r => Convert.ToHexString(r.WrappedKey.Span)), parsed.Recipients.Select(r => Convert.ToHexString(r.WrappedKey.Span)));
        Assert.Equal(Envelope.ToUtf8Json(), parsed.ToUtf8Json());
    }

    [Fact]
    public void Absent_max_tokens_is_left_out_and_null_reads_as_absent()
    {
        using var key = HpkePrivateKey.Generate();
        var metadata = SealingTestKit.Metadata() with { MaxTokens = null };
        var (envelope, pending) = RequestSealer.Seal(SealingTestKit.Body, metadata, [key.PublicKey]);
        using var _ = pending;
        var json = SealingTestKit.ToJson(envelope);
        Assert.False(json.ContainsKey("max_tokens"));
        json["max_tokens"] = null;
        var parsed = SealingTestKit.Reparse(json);
        Assert.Null(parsed.Metadata.MaxTokens);
        using var opened = SealingTestKit.NewOpener().Open(parsed, key);
        Assert.Equal(SealingTestKit.Body, opened.Body.ToArray());
    }

    [Fact]
    public void Unknown_fields_anywhere_are_ignored_and_the_request_still_opens()
    {
        var json = SealingTestKit.ToJson(Envelope);
        json["padding_hint"] = new JsonObject { ["nested"] = new JsonArray(1, 2, new JsonObject { ["deeper"] = "x" }) };
        json["umbra_minor"] = 3;
        SealingTestKit.Recipient(json, 1)["attestation"] = "later";
        var parsed = SealingTestKit.Reparse(json);
        using var opened = SealingTestKit.NewOpener().Open(parsed, _keyB);
        Assert.Equal(SealingTestKit.Body, opened.Body.ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Another_version_is_refused_naming_the_versions_spoken_whatever_the_other_fields_are(int version)
    {
        var json = new JsonObject { ["umbra"] = version, ["recipients"] = "a version 2 shape", ["sealed"] = new JsonObject() };
        var error = Assert.Throws<SealedMessageFormatException>(() => SealingTestKit.Reparse(json));
        Assert.Equal($"The sealed request envelope is protocol version {version} (field \"umbra\"); this build speaks version 1 only.", error.Message);
    }

    public static TheoryData<string, string> FieldEdits() => new()
    {
        // edit (a small language over the JSON, see Apply), the text the message must contain
        { "remove umbra", "has no \"umbra\" field" },
        { "set umbra \"1\"", "$.umbra" },
        { "set umbra 1.5", "$.umbra" },
        { "remove request_id", "has no \"request_id\" field" },
        { "set request_id null", "has no \"request_id\" field" },
        { "set request_id 7", "$.request_id" },
        { "set request_id \"AAECAwQFBgcICQoLDA0ODw==\"", "field \"request_id\" has '=' padding" },
        { "set request_id \"AAECAwQFBgcICQoLDA0O\"", "field \"request_id\" holds 15 bytes; it must hold 16." },
        { "set request_id \"AAECAwQFBgcICQoLDA0ODx\"", "field \"request_id\" is not the canonical" },
        { "set request_id \"AAECAwQFBgcICQoLDA0OD+\"", "field \"request_id\" has the character U+002B" },
        { "set request_id \"AAAAAAAAAAAAAAAAAAAAAA\"", "field \"request_id\" is all zero bytes" },
        { "remove endpoint", "has no \"endpoint\" field" },
        { "set endpoint \"embeddings\"", "field \"endpoint\" names no endpoint of this protocol; the endpoints are \"chat.completions\", \"completions\", \"responses\"." },
        { "set endpoint \"Chat.Completions\"", "field \"endpoint\"" },
        { "remove model", "has no \"model\" field" },
        { "set model \"\"", "field \"model\" is empty." },
        { "set model \"llama\\u0000\"", "field \"model\" has the control character U+0000." },
        { "set model \"llama\\n\"", "field \"model\" has the control character U+000A." },
        { "set model 5", "$.model" },
        { "set max_tokens 0", "field \"max_tokens\" is below 1" },
        { "set max_tokens -5", "field \"max_tokens\" is below 1" },
        { "set max_tokens 2147483648", "$.max_tokens" },
        { "set max_tokens 1.5", "$.max_tokens" },
        { "set max_tokens \"256\"", "$.max_tokens" },
        { "remove stream", "has no \"stream\" field" },
        { "set stream 1", "$.stream" },
        { "set stream \"true\"", "$.stream" },
        { "remove suite", "has no \"suite\" field" },
        { "set suite \"p256-sha256-aes256gcm\"", "field \"suite\" names no suite of this protocol; the suites are \"P256-SHA256-AES256GCM\", \"P256-SHA256-CHACHA20POLY1305\"." },
        { "set suite \"P256-SHA256-AES128GCM\"", "field \"suite\" names no suite" },
        { "remove recipients", "has no \"recipients\" field" },
        { "set recipients []", "field \"recipients\" is empty" },
        { "set recipients {}", "field \"recipients\" is not an array." },
        { "set recipients [null]", "field \"recipients[0]\" is null." },
        { "set recipients [3]", "field \"recipients[0]\" is not an object." },
        { "remove recipients[1].key_id", "has no \"recipients[1].key_id\" field" },
        { "set recipients[1].key_id \"ABCDEF0123456789abcdef0123456789\"", "field \"recipients[1].key_id\" has the character U+0041; a key id is 32 lowercase hex digits." },
        { "set recipients[1].key_id \"abcdef0123456789abcdef012345678\"", "field \"recipients[1].key_id\" is 31 characters long" },
        { "copy recipients[0].key_id recipients[1].key_id", "field \"recipients[1].key_id\" repeats an earlier recipient's key id" },
        { "remove recipients[0].enc", "has no \"recipients[0].enc\" field" },
        { "set recipients[0].enc 5", "field \"recipients[0]\" is not well-formed: The JSON value could not be converted to a string. Path: $.recipients[0].enc" },
        { "trim recipients[0].enc", "field \"recipients[0].enc\" holds 64 bytes; it must hold 65." },
        { "remove recipients[0].wrapped_key", "has no \"recipients[0].wrapped_key\" field" },
        { "trim recipients[0].wrapped_key", "field \"recipients[0].wrapped_key\" holds 47 bytes; it must hold 48." },
        { "set recipients[0].wrapped_key \"\"", "field \"recipients[0].wrapped_key\" holds 0 bytes" },
        { "remove ciphertext", "has no \"ciphertext\" field" },
        { "set ciphertext \"AAAAAAAAAAAAAAAAAAAA\"", "field \"ciphertext\" holds 15 bytes; it must hold at least 16." },
        { "set ciphertext \"\"", "field \"ciphertext\" holds 0 bytes" },
    };

    [Theory]
    [MemberData(nameof(FieldEdits))]
    public void Each_malformed_field_is_refused_by_name(string edit, string expected)
    {
        var json = SealingTestKit.ToJson(Envelope);
        Apply(json, edit);
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(SealingTestKit.Bytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The sealed request envelope", error.Message, StringComparison.Ordinal);
        // Errors go back to peers that speak JSON, not .NET.
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Umbra.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_sixteen_recipients_is_refused_without_reading_the_rest()
    {
        var json = SealingTestKit.ToJson(Envelope);
        var entry = SealingTestKit.Recipient(json, 0);
        var entries = new JsonArray();
        for (var i = 0; i < 17; i++)
            entries.Add(entry.DeepClone());
        // After the 17th comes something the parser would choke on, had it read that far.
        json["recipients"] = entries;
        var text = json.ToJsonString().Replace("}]", "},{\"key_id\":[[[[[]]]]]}]", StringComparison.Ordinal);
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Equal("The sealed request envelope's field \"recipients\" has more than 16 entries, the most a request may be sealed to.", error.Message);
    }

    [Fact]
    public void A_member_named_twice_is_refused()
    {
        var text = Encoding.UTF8.GetString(Envelope.ToUtf8Json());
        text = text.Replace("\"model\":\"llama-3.2-1b\"", "\"model\":\"llama-3.2-1b\",\"model\":\"llama-3.1-405b\"", StringComparison.Ordinal);
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Contains("model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_envelope_over_sixteen_mebibytes_is_refused_before_parsing()
    {
        var huge = new byte[SealedRequestEnvelope.MaxSize + 1];
        huge.AsSpan().Fill((byte)'[');
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(huge));
        Assert.Equal($"The sealed request envelope is {SealedRequestEnvelope.MaxSize + 1} bytes; the limit is {SealedRequestEnvelope.MaxSize} bytes.", error.Message);
    }

    [Fact]
    public void The_largest_body_with_the_most_recipients_and_the_longest_model_fits_the_size_limit()
    {
        var keys = Enumerable.Range(0, SealedRequestEnvelope.MaxRecipients).Select(_ => HpkePrivateKey.Generate()).ToArray();
        try
        {
            // Non-ASCII so the JSON writer escapes every character as \\uXXXX: the longest a valid model can be written.
            var metadata = SealingTestKit.Metadata() with { Model = new string('\u4e00', RequestMetadata.MaxModelBytes / 3), MaxTokens = int.MaxValue };
            var body = new byte[SealedRequestEnvelope.MaxBodySize];
            var (envelope, pending) = RequestSealer.Seal(body, metadata, [.. keys.Select(k => k.PublicKey)]);
            using var _ = pending;
            var json = envelope.ToUtf8Json();
            Assert.InRange(json.Length, SealedRequestEnvelope.MaxSize - 16 * 1024, SealedRequestEnvelope.MaxSize);
            using var opened = SealingTestKit.NewOpener().Open(SealedRequestEnvelope.Parse(json), keys[^1]);
            Assert.Equal(body.Length, opened.Body.Length);

            Assert.Throws<ArgumentException>(() => RequestSealer.Seal(new byte[SealedRequestEnvelope.MaxBodySize + 1], metadata, [keys[0].PublicKey]));
        }
        finally
        {
            foreach (var key in keys)
                key.Dispose();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"umbra\"")]
    [InlineData("1")]
    [InlineData("{")]
    [InlineData("{}")]
    [InlineData("{\"umbra\":1}")]
    [InlineData("{\"umbra\":1} {}")]
    [InlineData("{\"umbra\":1,}")]
    [InlineData("{/*c*/\"umbra\":1}")]
    [InlineData("{'umbra':1}")]
    public void Documents_that_are_not_an_envelope_are_refused(string text)
    {
        Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Invalid_utf8_a_lone_surrogate_and_deep_nesting_are_refused()
    {
        var surrogate = Encoding.UTF8.GetString(Envelope.ToUtf8Json()).Replace("llama-3.2-1b", "llama\\ud800", StringComparison.Ordinal);
        var error = Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(Encoding.UTF8.GetBytes(surrogate)));
        Assert.Contains("$.model", error.Message, StringComparison.Ordinal);

        var text = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Envelope.ToUtf8Json()).Replace("llama-3.2-1b", "llama-3.2-1\u00ff", StringComparison.Ordinal));
        var index = Array.IndexOf(text, (byte)0xC3);
        text[index] = 0xFF;
        Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(text));

        var deep = "{\"umbra\":1,\"x\":" + new string('[', 100) + new string(']', 100) + "}";
        Assert.Throws<SealedMessageFormatException>(() => SealedRequestEnvelope.Parse(Encoding.UTF8.GetBytes(deep)));
    }

    [Fact]
    public void Every_truncation_of_a_real_envelope_is_refused_with_the_format_exception()
    {
        var bytes = Envelope.ToUtf8Json();
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            var error = Record.Exception(() => SealedRequestEnvelope.Parse(prefix));
            Assert.IsType<SealedMessageFormatException>(error);
        }
    }

    [Fact]
    public void Every_single_byte_corruption_is_refused_by_the_parser_or_at_opening_and_none_opens()
    {
        // One recipient, so every byte matters to it: another recipient's enc and wrapped key are not bound into
        // the header (they cannot be), and damaging them only stops that recipient.
        var (envelope, pending) = SealingTestKit.Seal(_keyB);
        using var _ = pending;
        var bytes = envelope.ToUtf8Json();
        var opener = SealingTestKit.NewOpener();
        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var flip in new byte[] { 0x01, 0x20 })
            {
                var corrupt = (byte[])bytes.Clone();
                corrupt[i] ^= flip;
                var error = Record.Exception(() =>
                {
                    var envelope = SealedRequestEnvelope.Parse(corrupt);
                    using var opened = opener.Open(envelope, _keyB);
                });
                Assert.True(error is SealingException, $"Byte {i} ^ 0x{flip:x2}: {error?.GetType().Name ?? "opened"}: {error?.Message}");
            }
        }
    }

    [Fact]
    public void Random_garbage_and_random_splices_only_ever_throw_the_format_exception()
    {
        var random = new Random(20250101);
        var real = Envelope.ToUtf8Json();
        for (var round = 0; round < 3000; round++)
        {
            byte[] input;
            if (round % 3 == 0)
            {
                input = new byte[random.Next(0, 300)];
                random.NextBytes(input);
            }
            else
            {
                // Real JSON with a few bytes overwritten by JSON-significant characters, which reaches deeper.
                input = (byte[])real.Clone();
                for (var k = random.Next(1, 6); k > 0; k--)
                    input[random.Next(input.Length)] = "{}[]\",:0-9en\\ tfu"u8[random.Next(17)];
            }
            var error = Record.Exception(() => SealedRequestEnvelope.Parse(input));
            Assert.True(error is null or SealedMessageFormatException, $"Round {round}: {error?.GetType().Name}: {error?.Message}");
        }
    }

    /// <summary>"remove path", "set path json", "trim path" (drop the last decoded byte), "copy from to".</summary>
    private static void Apply(JsonObject json, string edit)
    {
        var parts = edit.Split(' ', 3);
        var (parent, name) = Locate(json, parts[1]);
        switch (parts[0])
        {
            case "remove":
                parent.Remove(name);
                break;
            case "set":
                parent[name] = JsonNode.Parse(parts[2]);
                break;
            case "trim":
                Assert.True(Base64UrlStrict.TryDecode((string)parent[name]!, out var bytes, out _));
                parent[name] = Base64UrlStrict.Encode(bytes.AsSpan(0, bytes.Length - 1));
                break;
            case "copy":
                var (target, targetName) = Locate(json, parts[2]);
                target[targetName] = parent[name]!.DeepClone();
                break;
            default:
                throw new ArgumentException(edit, nameof(edit));
        }
    }

    private static (JsonObject Parent, string Name) Locate(JsonObject json, string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
            return (json, path);
        var index = int.Parse(path[(path.IndexOf('[', StringComparison.Ordinal) + 1)..path.IndexOf(']', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        return (SealingTestKit.Recipient(json, index), path[(dot + 1)..]);
    }
}
