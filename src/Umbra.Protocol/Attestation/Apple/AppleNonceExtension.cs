using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Apple's attestation nonce extension, 1.2.840.113635.100.8.2: DER <c>SEQUENCE { [1] EXPLICIT OCTET STRING nonce }</c>.
/// </summary>
public static class AppleNonceExtension
{
    public const string Oid = "1.2.840.113635.100.8.2";

    private static readonly Asn1Tag NonceTag = new(TagClass.ContextSpecific, 1, isConstructed: true);

    /// <summary>The extension value for <paramref name="nonce"/> (what Apple's CA writes; tests build chains with it).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> nonce)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(NonceTag))
            writer.WriteOctetString(nonce);
        return writer.Encode();
    }

    /// <summary>The nonce in an extension value, strictly DER; null (with the reason) when it is not well-formed.</summary>
    public static byte[]? TryDecode(ReadOnlyMemory<byte> value, out string? error)
    {
        try
        {
            var reader = new AsnReader(value, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var tagged = sequence.ReadSequence(NonceTag);
            sequence.ThrowIfNotEmpty();
            var nonce = tagged.ReadOctetString();
            tagged.ThrowIfNotEmpty();
            error = null;
            return nonce;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            error = $"the nonce extension is not DER SEQUENCE {{ [1] EXPLICIT OCTET STRING }} ({e.Message})";
            return null;
        }
    }

    /// <summary>The nonce a certificate carries, or null (with the reason).</summary>
    public static byte[]? TryRead(X509Certificate2 certificate, out string? error)
    {
        var extension = certificate.Extensions.FirstOrDefault(e => e.Oid?.Value == Oid);
        if (extension is null)
        {
            error = $"the leaf certificate has no nonce extension ({Oid})";
            return null;
        }
        return TryDecode(extension.RawData, out error);
    }
}
