using System.Security.Cryptography;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Tests.Sealing;

/// <summary>The canonical encodings of docs/PROTOCOL.md, byte for byte, written out by hand from the spec.</summary>
public sealed class RequestHeaderTests
{
    private const string KeyA = "00112233445566778899aabbccddeeff";
    private const string KeyB = "ffeeddccbbaa99887766554433221100";

    private static RequestId CountingId => RequestId.FromBytes(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));

    [Fact]
    public void Header_with_every_field_present_matches_the_spec()
    {
        var metadata = new RequestMetadata
        {
            RequestId = CountingId,
            Endpoint = RequestEndpoints.Completions,
            Model = "tiny",
            MaxTokens = 256,
            Stream = true,
            Suite = HpkeSuite.P256Sha256Aes256Gcm,
        };
        var expected = string.Concat(
            "756d6272612f312072657175657374", "00",             // "umbra/1 request" 0x00
            "000102030405060708090a0b0c0d0e0f",                 // request_id
            "000b", "636f6d706c6574696f6e73",                   // u16(11) "completions"
            "0004", "74696e79",                                 // u16(4) "tiny"
            "00000100",                                         // u32(256)
            "01",                                               // stream
            "0015", "503235362d5348413235362d41455332353647434d", // u16(21) "P256-SHA256-AES256GCM"
            "0002", KeyA, KeyB);                                // u16(2), key ids as 16 bytes each
        Assert.Equal(expected, Convert.ToHexStringLower(RequestHeader.Build(metadata, [KeyA, KeyB])));
    }

    [Fact]
    public void Absent_max_tokens_is_zero_and_a_non_ascii_model_is_counted_in_utf8_bytes()
    {
        var metadata = new RequestMetadata
        {
            RequestId = CountingId,
            Endpoint = RequestEndpoints.Responses,
            Model = "é",
            Stream = false,
            Suite = HpkeSuite.P256Sha256ChaCha20Poly1305,
        };
        var expected = string.Concat(
            "756d6272612f312072657175657374", "00",
            "000102030405060708090a0b0c0d0e0f",
            "0009", "726573706f6e736573",                       // "responses"
            "0002", "c3a9",                                     // "é" is two bytes of UTF-8
            "00000000",                                         // max_tokens absent
            "00",                                               // not streamed
            "001c", "503235362d5348413235362d", "4348414348413230", "504f4c59", "31333035", // "P256-SHA256-CHACHA20POLY1305"
            "0001", KeyB);
        Assert.Equal(expected, Convert.ToHexStringLower(RequestHeader.Build(metadata, [KeyB])));
    }

    [Fact]
    public void Recipient_info_is_the_header_followed_by_the_key_id_bytes()
    {
        var header = new byte[] { 1, 2, 3 };
        Assert.Equal("010203" + KeyB, Convert.ToHexStringLower(RequestHeader.RecipientInfo(header, KeyB)));
    }

    [Fact]
    public void Response_aad_and_nonce_match_the_spec()
    {
        using var key = HpkePrivateKey.Generate();
        using var context = Hpke.SetupBaseSender(HpkeSuite.P256Sha256Aes256Gcm, key.PublicKey, "info"u8);
        var salt = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var keys = ResponseKeys.Derive(context, CountingId, KeyA, salt);

        Span<byte> aad = stackalloc byte[ResponseKeys.AadSize];
        keys.WriteAad(0x0102030405060708, final: true, aad);
        var expectedAad = string.Concat(
            "756d6272612f3120726573706f6e7365", "00",           // "umbra/1 response" 0x00
            "000102030405060708090a0b0c0d0e0f", KeyA,
            "0102030405060708", "01");
        Assert.Equal(expectedAad, Convert.ToHexStringLower(aad));

        // nonce_r = Export("umbra/1 response nonce" || salt, 12); chunk n's nonce XORs u96(n) into it.
        var baseNonce = context.Export([.. "umbra/1 response nonce"u8, .. salt], 12);
        Span<byte> nonce = stackalloc byte[12];
        keys.WriteNonce(0x0102030405060708, nonce);
        var expectedNonce = (byte[])baseNonce.Clone();
        for (var i = 0; i < 8; i++)
            expectedNonce[4 + i] ^= (byte)(i + 1);
        Assert.Equal(expectedNonce, nonce.ToArray());
        keys.WriteNonce(0, nonce);
        Assert.Equal(baseNonce, nonce.ToArray());
    }

    [Fact]
    public void A_response_chunk_opens_with_plain_aes_gcm_under_the_spec_derivation()
    {
        using var key = HpkePrivateKey.Generate();
        var (envelope, pending) = SealingTestKit.Seal(key);
        using var _ = pending;
        using var opened = SealingTestKit.NewOpener().Open(envelope, key);
        var salt = opened.Response.Seal("first"u8, final: false).Salt.ToArray();
        var chunk = opened.Response.Seal("second"u8, final: true);

        // Independently of the library's response code: rebuild the recipient context as the spec says and derive.
        var keyId = key.PublicKey.KeyId;
        var header = RequestHeader.Build(envelope.Metadata, [keyId]);
        using var context = Hpke.SetupBaseRecipient(
            HpkeSuite.P256Sha256Aes256Gcm, envelope.Recipients[0].EncapsulatedKey.Span, key, [.. header, .. Convert.FromHexString(keyId)]);
        var keyR = context.Export([.. "umbra/1 response key"u8, .. salt], 32);
        var nonce = context.Export([.. "umbra/1 response nonce"u8, .. salt], 12);
        nonce[^1] ^= 1;
        byte[] aad = [.. "umbra/1 response\0"u8, .. envelope.Metadata.RequestId.ToArray(), .. Convert.FromHexString(keyId), 0, 0, 0, 0, 0, 0, 0, 1, 1];
        using var aes = new AesGcm(keyR, 16);
        var ct = chunk.Ciphertext.Span;
        var plaintext = new byte[ct.Length - 16];
        aes.Decrypt(nonce, ct[..^16], ct[^16..], plaintext, aad);
        Assert.Equal("second"u8.ToArray(), plaintext);
    }

    [Fact]
    public void A_request_opens_with_plain_hpke_and_aes_gcm_under_the_spec_construction()
    {
        using var key = HpkePrivateKey.Generate();
        using var other = HpkePrivateKey.Generate();
        var (envelope, pending) = SealingTestKit.Seal(other, key);
        using var _ = pending;
        var header = RequestHeader.Build(envelope.Metadata, [other.PublicKey.KeyId, key.PublicKey.KeyId]);
        var entry = envelope.Recipients[1];
        byte[] info = [.. header, .. Convert.FromHexString(key.PublicKey.KeyId)];

        using var context = Hpke.SetupBaseRecipient(HpkeSuite.P256Sha256Aes256Gcm, entry.EncapsulatedKey.Span, key, info);
        var contentKey = context.Open(header, entry.WrappedKey.Span);
        using var aes = new AesGcm(contentKey, 16);
        var ct = envelope.Ciphertext.Span;
        var body = new byte[ct.Length - 16];
        aes.Decrypt(new byte[12], ct[..^16], ct[^16..], body, header);
        Assert.Equal(SealingTestKit.Body, body);
    }
}
