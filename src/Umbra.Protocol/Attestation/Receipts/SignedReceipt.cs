using System.Text;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// A receipt body and the identity key's signature over it; constructing one decodes the body strictly. JSON:
/// <c>{"body": "...", "signature": "..."}</c>, base64url.
/// </summary>
public sealed class SignedReceipt
{
    private const string What = "receipt";
    private readonly byte[] _body;
    private readonly byte[] _signature;

    /// <exception cref="AttestationException">The body is not a well-formed receipt, or the signature is not 64 bytes.</exception>
    public SignedReceipt(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        Claims = ReceiptEncoding.Decode(body);
        if (signature.Length != AttestationLimits.SignatureBytes)
            throw new AttestationException($"The {What} signature is {signature.Length} bytes; an ECDSA P-256 signature (IEEE P1363, r || s) is {AttestationLimits.SignatureBytes}.");
        _body = body.ToArray();
        _signature = signature.ToArray();
    }

    public ReadOnlySpan<byte> Body => _body;

    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>The claims as decoded; not verified until <see cref="ReceiptVerifier"/> says so.</summary>
    public ReceiptClaims Claims { get; }

    public byte[] ToUtf8Json() => SignedBodyJsonCodec.Write(_body, _signature);

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Json());

    /// <exception cref="AttestationException">The JSON, its base64url, or the body is not well-formed.</exception>
    public static SignedReceipt FromJson(ReadOnlySpan<byte> utf8Json)
    {
        var (body, signature) = SignedBodyJsonCodec.Read(utf8Json, What);
        return new SignedReceipt(body, signature);
    }

    public static SignedReceipt FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return FromJson(Encoding.UTF8.GetBytes(json));
    }
}
