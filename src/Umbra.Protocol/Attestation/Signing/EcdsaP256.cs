using System.Security.Cryptography;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Attestation;

/// <summary>ECDSA P-256 checks that answer false rather than throw for hostile input.</summary>
internal static class EcdsaP256
{
    /// <summary>Whether <paramref name="point"/> is a 65-byte uncompressed point on P-256.</summary>
    public static bool IsValidPoint(ReadOnlySpan<byte> point) =>
        point.Length == AttestationLimits.PublicKeyBytes && point[0] == 0x04
        && P256.IsOnCurve(point.Slice(1, 32), point.Slice(33, 32));

    /// <summary>A public-only key for a valid point, or null.</summary>
    public static ECDsa? TryCreate(ReadOnlySpan<byte> point)
    {
        if (!IsValidPoint(point))
            return null;
        try
        {
            return ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
            });
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Verifies an IEEE P1363 signature over SHA-256(<paramref name="data"/>).</summary>
    public static bool VerifyData(ReadOnlySpan<byte> point, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != AttestationLimits.SignatureBytes)
            return false;
        using var key = TryCreate(point);
        if (key is null)
            return false;
        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Verifies an IEEE P1363 signature over a precomputed digest.</summary>
    public static bool VerifyHash(ReadOnlySpan<byte> point, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != AttestationLimits.SignatureBytes)
            return false;
        using var key = TryCreate(point);
        if (key is null)
            return false;
        try
        {
            return key.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The 65-byte point of a .NET key's public part, coordinates right-aligned.</summary>
    public static byte[] PointOf(ECParameters parameters)
    {
        var x = parameters.Q.X ?? throw new CryptographicException("The key has no public point.");
        var y = parameters.Q.Y ?? throw new CryptographicException("The key has no public point.");
        if (x.Length > 32 || y.Length > 32)
            throw new CryptographicException("The key is not a P-256 key.");
        var point = new byte[AttestationLimits.PublicKeyBytes];
        point[0] = 0x04;
        x.CopyTo(point.AsSpan(33 - x.Length));
        y.CopyTo(point.AsSpan(65 - y.Length));
        return point;
    }

    public static bool IsP256(ECParameters parameters) =>
        parameters.Curve.IsNamed && (parameters.Curve.Oid.Value == "1.2.840.10045.3.1.7"
            || string.Equals(parameters.Curve.Oid.FriendlyName, "nistP256", StringComparison.OrdinalIgnoreCase)
            || string.Equals(parameters.Curve.Oid.FriendlyName, "ECDSA_P256", StringComparison.OrdinalIgnoreCase));
}
