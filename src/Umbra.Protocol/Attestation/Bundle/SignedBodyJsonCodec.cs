using System.Text.Json;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Attestation;

/// <summary>Reads and writes <c>{"body": "...", "signature": "..."}</c> with strict base64url.</summary>
internal static class SignedBodyJsonCodec
{
    /// <summary>Room for a maximal body in base64url plus the signature and punctuation.</summary>
    public const int MaxJsonBytes = (AttestationLimits.MaxBodyBytes / 3 + 1) * 4 + 1024;

    public static byte[] Write(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        JsonSerializer.SerializeToUtf8Bytes(ToJson(body, signature), AttestationJsonContext.Default.SignedBodyJson);

    public static (byte[] Body, byte[] Signature) Read(ReadOnlySpan<byte> utf8Json, string what)
    {
        if (utf8Json.Length > MaxJsonBytes)
            throw new AttestationException($"The {what} JSON is {utf8Json.Length} bytes; the limit is {MaxJsonBytes}.");
        SignedBodyJson? json;
        try
        {
            json = JsonSerializer.Deserialize(utf8Json, AttestationJsonContext.Default.SignedBodyJson);
        }
        catch (JsonException e)
        {
            throw new AttestationException($"The {what} JSON is not well-formed: {e.Message}", e);
        }
        return FromJson(json, what);
    }

    public static (byte[] Body, byte[] Signature) FromJson(SignedBodyJson? json, string what)
    {
        if (json is null)
            throw new AttestationException($"The {what} JSON is null, not an object.");
        return (Field(json.Body, what, "body"), Field(json.Signature, what, "signature"));
    }

    public static SignedBodyJson ToJson(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        new() { Body = Base64UrlStrict.Encode(body), Signature = Base64UrlStrict.Encode(signature) };

    private static byte[] Field(string? value, string what, string field)
    {
        if (value is null)
            throw new AttestationException($"The {what} JSON has no \"{field}\" member (or it is null).");
        if (!Base64UrlStrict.TryDecode(value, out var bytes, out var problem))
            throw new AttestationException($"The {what} JSON member \"{field}\" {problem}");
        return bytes;
    }
}
