using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// A signed attestation bundle: the canonical body and the identity key's signature over it. Constructing one
/// decodes the body strictly, so a bundle object always holds well-formed claims; whether they are <em>true</em>
/// is <see cref="BundleVerifier"/>'s question. In JSON it is <c>{"body": "...", "signature": "..."}</c>
/// (base64url), also when it is a member of another wire type (it carries its own converter).
/// </summary>
[JsonConverter(typeof(AttestationBundleJsonConverter))]
public sealed class AttestationBundle
{
    private const string What = "attestation bundle";
    private readonly byte[] _body;
    private readonly byte[] _signature;
    private readonly byte[] _hash;

    /// <exception cref="AttestationException">The body is not a well-formed version 1 body, or the signature is not 64 bytes.</exception>
    public AttestationBundle(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        var decoded = BundleEncoding.DecodeBody(body);
        if (signature.Length != AttestationLimits.SignatureBytes)
            throw new AttestationException($"The {What} signature is {signature.Length} bytes; an ECDSA P-256 signature (IEEE P1363, r || s) is {AttestationLimits.SignatureBytes}.");
        _body = body.ToArray();
        _signature = signature.ToArray();
        _hash = SHA256.HashData(body);
        Claims = decoded.Claims;
        Evidence = decoded.Evidence;
        BindingLength = decoded.BindingLength;
        HashHex = Convert.ToHexStringLower(_hash);
    }

    /// <summary>The canonical body (a copy's view: read-only).</summary>
    public ReadOnlySpan<byte> Body => _body;

    /// <summary>The identity key's ECDSA P-256 signature over the body, r || s.</summary>
    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>The claims as decoded from the body; not verified until <see cref="BundleVerifier"/> says so.</summary>
    public AttestationClaims Claims { get; }

    public PlatformEvidence Evidence { get; }

    /// <summary>SHA-256 of the body: the bundle's name (receipts refer to it).</summary>
    public ReadOnlySpan<byte> Hash => _hash;

    /// <summary><see cref="Hash"/> as lower-case hex.</summary>
    public string HashHex { get; }

    /// <summary>The bytes of the body the evidence commits to (everything before the evidence kind).</summary>
    public ReadOnlySpan<byte> Binding => _body.AsSpan(0, BindingLength);

    internal int BindingLength { get; }

    /// <summary>SHA-256 of <see cref="Binding"/>.</summary>
    public byte[] BindingDigest() => SHA256.HashData(Binding);

    public byte[] ToUtf8Json() => SignedBodyJsonCodec.Write(_body, _signature);

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Json());

    /// <exception cref="AttestationException">The JSON, its base64url, or the body is not well-formed.</exception>
    public static AttestationBundle FromJson(ReadOnlySpan<byte> utf8Json)
    {
        var (body, signature) = SignedBodyJsonCodec.Read(utf8Json, What);
        return new AttestationBundle(body, signature);
    }

    /// <inheritdoc cref="FromJson(ReadOnlySpan{byte})"/>
    public static AttestationBundle FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return FromJson(Encoding.UTF8.GetBytes(json));
    }

    internal SignedBodyJson ToJsonObject() => SignedBodyJsonCodec.ToJson(_body, _signature);

    public override string ToString() => $"attestation bundle {HashHex} from {Claims.ProviderId} ({Evidence.Kind})";
}
