using System.Security.Cryptography;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// An identity key held in process memory (a platform ECDsa P-256 key). Bundles it signs verify as
/// <see cref="TrustLevel.SelfSigned"/> unless platform evidence certifies the key. The private key can be exported
/// as PKCS#8 so the caller can keep it in a key file; the file itself is the caller's business.
/// </summary>
public sealed class SoftwareAttestationSigner : IAttestationSigner, IDisposable
{
    private readonly ECDsa _key;
    private readonly byte[] _publicKey;

    private SoftwareAttestationSigner(ECDsa key)
    {
        _key = key;
        _publicKey = EcdsaP256.PointOf(key.ExportParameters(includePrivateParameters: false));
    }

    /// <summary>A fresh random key.</summary>
    public static SoftwareAttestationSigner Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Imports a PKCS#8 PrivateKeyInfo (DER) holding a P-256 key.</summary>
    /// <exception cref="AttestationException">The bytes are not a PKCS#8 P-256 private key.</exception>
    public static SoftwareAttestationSigner ImportPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out var read);
            if (read != pkcs8.Length)
                throw new AttestationException($"The identity key has {pkcs8.Length - read} bytes after the PKCS#8 structure.");
            if (!EcdsaP256.IsP256(key.ExportParameters(includePrivateParameters: false)))
                throw new AttestationException("The identity key is not a P-256 key; Umbra identity keys are ECDSA P-256.");
            return new SoftwareAttestationSigner(key);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new AttestationException("The identity key is not a PKCS#8 EC private key: " + e.Message, e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Wraps an existing P-256 key; the signer takes ownership and disposes it.</summary>
    public static SoftwareAttestationSigner FromKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!EcdsaP256.IsP256(key.ExportParameters(includePrivateParameters: false)))
            throw new ArgumentException("The key is not a P-256 key; Umbra identity keys are ECDSA P-256.", nameof(key));
        return new SoftwareAttestationSigner(key);
    }

    public byte[] PublicKey => (byte[])_publicKey.Clone();

    /// <summary>The private key as PKCS#8 PrivateKeyInfo (DER), for a key file. Treat the bytes as a secret.</summary>
    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => _key.Dispose();
}
