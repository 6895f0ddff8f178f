namespace Umbra.Protocol.Attestation;

/// <summary>
/// The canonical receipt body: magic "UMBRARCT", u16 1, string request_id, string provider_id, string model,
/// bytes weights_sha256 (0 or 32), bytes request_mac (32), bytes response_mac (32), u32 prompt_tokens,
/// u32 completion_tokens, bytes bundle_hash (32), i64 timestamp_unix_ms. Same primitives and strictness as bundles.
/// </summary>
public static class ReceiptEncoding
{
    public const ushort Version = 1;

    /// <summary>The largest receipt body: three maximal strings and the fixed fields.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    public static ReadOnlySpan<byte> Magic => "UMBRARCT"u8;

    private const string What = "Receipt";

    public static byte[] Encode(ReceiptClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var w = new CanonicalWriter(512);
        w.Raw(Magic);
        w.U16(Version);
        w.String(BundleEncoding.CheckString(claims.RequestId, nameof(claims.RequestId)));
        w.String(BundleEncoding.CheckString(claims.ProviderId, nameof(claims.ProviderId)));
        w.String(BundleEncoding.CheckString(claims.Model, nameof(claims.Model)));
        ArgumentNullException.ThrowIfNull(claims.WeightsSha256);
        if (claims.WeightsSha256.Length is not (0 or AttestationLimits.Sha256Bytes))
            throw new ArgumentException($"WeightsSha256 is {claims.WeightsSha256.Length} bytes; it must be 32, or empty when unknown.", nameof(claims));
        w.Bytes(claims.WeightsSha256);
        w.Bytes(BundleEncoding.CheckLength(claims.RequestMac, ReceiptMac.MacBytes, nameof(claims.RequestMac)));
        w.Bytes(BundleEncoding.CheckLength(claims.ResponseMac, ReceiptMac.MacBytes, nameof(claims.ResponseMac)));
        w.U32(claims.PromptTokens);
        w.U32(claims.CompletionTokens);
        w.Bytes(BundleEncoding.CheckLength(claims.BundleHash, AttestationLimits.Sha256Bytes, nameof(claims.BundleHash)));
        w.I64(claims.TimestampUnixMs);
        return w.ToArray();
    }

    /// <exception cref="AttestationException">The body breaks a rule of the format; the message names the field and offset.</exception>
    public static ReceiptClaims Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
            throw new AttestationException($"{What}: the body is {body.Length} bytes; the limit is {MaxBodyBytes}.");
        var r = new CanonicalReader(body, What);
        if (!r.Raw(Magic.Length, "magic").SequenceEqual(Magic))
            r.FailAt(0, "magic", "is not \"UMBRARCT\"");
        var version = r.U16("version");
        if (version != Version)
            r.FailAt(8, "version", $"is {version}; this verifier reads version {Version}");
        var requestId = r.String("request_id");
        var providerId = r.String("provider_id");
        var model = r.String("model");
        var start = r.Position;
        var weights = r.Bytes("weights_sha256", AttestationLimits.Sha256Bytes);
        if (weights.Length is not (0 or AttestationLimits.Sha256Bytes))
            r.FailAt(start, "weights_sha256", $"is {weights.Length} bytes; it must be 32, or empty");
        var requestMac = r.FixedBytes("request_mac", ReceiptMac.MacBytes);
        var responseMac = r.FixedBytes("response_mac", ReceiptMac.MacBytes);
        var prompt = r.U32("prompt_tokens");
        var completion = r.U32("completion_tokens");
        var bundleHash = r.FixedBytes("bundle_hash", AttestationLimits.Sha256Bytes);
        var timestamp = r.I64("timestamp_unix_ms");
        r.EnsureEnd();
        return new ReceiptClaims(requestId, providerId, model, weights, requestMac, responseMac, prompt, completion, bundleHash, timestamp);
    }
}
