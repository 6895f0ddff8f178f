using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// A DHKEM(P-256) private key: an HPKE recipient's key, or a sender's static key in auth mode. The scalar lives
/// in the platform's key object and is cleared when the key is disposed. It cannot be exported unless the key
/// was created with <c>allowExport: true</c>, which is meant for tests and deliberate key escrow only.
/// </summary>
public sealed class HpkePrivateKey : IDisposable
{
    private readonly ECDiffieHellman? _ecdh;
    private readonly IP256KeyAgreement? _external;
    private readonly HpkePublicKey _publicKey;
    private volatile bool _disposed;

    private HpkePrivateKey(ECDiffieHellman ecdh, bool allowExport)
    {
        _ecdh = ecdh;
        AllowExport = allowExport;
        _publicKey = HpkePublicKey.FromPoint(ecdh.ExportParameters(includePrivateParameters: false).Q);
    }

    private HpkePrivateKey(IP256KeyAgreement external, HpkePublicKey publicKey)
    {
        _external = external;
        _publicKey = publicKey;
    }

    /// <summary>Whether the private key is held outside this process's memory (see <see cref="FromAgreement"/>).</summary>
    public bool IsExternal => _external != null;

    /// <summary>
    /// An HPKE key whose private half is held by <paramref name="agreement"/> (a TPM or Secure Enclave key). It
    /// can never be exported; disposing it does not dispose <paramref name="agreement"/>, which its owner keeps.
    /// </summary>
    public static HpkePrivateKey FromAgreement(IP256KeyAgreement agreement)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        if (!HpkePublicKey.TryImport(agreement.PublicKey, out var publicKey))
            throw new ArgumentException("The key agreement's public key is not a valid uncompressed P-256 point.", nameof(agreement));
        return new HpkePrivateKey(agreement, publicKey);
    }

    public HpkeKemId Kem => HpkeKemId.P256HkdfSha256;

    /// <summary>Whether <see cref="ExportPrivateKey"/> is permitted for this key.</summary>
    public bool AllowExport { get; }

    public HpkePublicKey PublicKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _publicKey;
        }
    }

    /// <summary>A fresh random key pair from the platform's generator.</summary>
    public static HpkePrivateKey Generate(bool allowExport = false)
    {
        var ecdh = ECDiffieHellman.Create(P256.Curve);
        try
        {
            return new HpkePrivateKey(ecdh, allowExport);
        }
        catch
        {
            ecdh.Dispose();
            throw;
        }
    }

    /// <summary>
    /// RFC 9180 §7.1.3 DeriveKeyPair: the key pair determined by <paramref name="ikm"/>, which must hold at least
    /// 32 bytes of entropy. The same ikm always gives the same key.
    /// </summary>
    public static HpkePrivateKey Derive(ReadOnlySpan<byte> ikm, bool allowExport = false)
    {
        if (ikm.Length < P256.ScalarSize)
            throw new ArgumentException($"DeriveKeyPair needs at least {P256.ScalarSize} bytes of input keying material; got {ikm.Length}.", nameof(ikm));
        Span<byte> scalar = stackalloc byte[P256.ScalarSize];
        try
        {
            DhKemP256.DeriveScalar(ikm, scalar);
            return FromScalar(scalar, allowExport);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>
    /// Imports a private scalar as RFC 9180's SerializePrivateKey writes it (32 bytes, big-endian, in [1, n-1]).
    /// The caller remains responsible for wiping its own copy.
    /// </summary>
    public static HpkePrivateKey Import(ReadOnlySpan<byte> privateKey, bool allowExport = false)
    {
        if (privateKey.Length != P256.ScalarSize)
            throw new ArgumentException($"A P-256 private key is {P256.ScalarSize} bytes; got {privateKey.Length}.", nameof(privateKey));
        if (!P256.IsValidScalar(privateKey))
            throw new ArgumentException("The P-256 private key is zero or not below the group order.", nameof(privateKey));
        return FromScalar(privateKey, allowExport);
    }

    /// <summary>
    /// The private scalar (32 bytes, big-endian). Only for keys created with <c>allowExport: true</c>; the caller
    /// owns the returned secret and should wipe it with <see cref="CryptographicOperations.ZeroMemory"/>.
    /// </summary>
    public byte[] ExportPrivateKey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!AllowExport || _ecdh == null)
            throw new InvalidOperationException("This HPKE private key was not created with allowExport: true, so its private scalar cannot be exported.");
        var parameters = _ecdh.ExportParameters(includePrivateParameters: true);
        var d = parameters.D ?? throw new CryptographicException("The platform returned no private scalar.");
        if (d.Length == P256.ScalarSize)
            return d;
        var padded = new byte[P256.ScalarSize];
        d.CopyTo(padded.AsSpan(P256.ScalarSize - d.Length));
        CryptographicOperations.ZeroMemory(d);
        return padded;
    }

    /// <summary>Clears the private scalar; any later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _ecdh?.Dispose();
    }

    /// <summary>DH(sk, pk) for DHKEM(P-256): the x-coordinate of sk·pk, 32 bytes. The caller wipes it.</summary>
    internal void Agree(HpkePublicKey peer, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_external != null)
        {
            if (destination.Length < P256.ScalarSize)
                throw new ArgumentException("The shared-secret buffer is too small.", nameof(destination));
            _external.Agree(peer.Export(), destination[..P256.ScalarSize]);
            return;
        }
        using var peerEcdh = peer.CreateEcdh();
        using var peerKey = peerEcdh.PublicKey;
        var secret = _ecdh!.DeriveRawSecretAgreement(peerKey);
        try
        {
            if (secret.Length != P256.ScalarSize)
                throw new CryptographicException($"P-256 key agreement returned {secret.Length} bytes instead of {P256.ScalarSize}.");
            secret.CopyTo(destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static HpkePrivateKey FromScalar(ReadOnlySpan<byte> scalar, bool allowExport)
    {
        // The platform derives the public point from D; the array is ours to wipe once it has been imported.
        var d = GC.AllocateArray<byte>(P256.ScalarSize, pinned: true);
        ECDiffieHellman? ecdh = null;
        try
        {
            scalar.CopyTo(d);
            ecdh = ECDiffieHellman.Create(new ECParameters { Curve = P256.Curve, D = d });
            return new HpkePrivateKey(ecdh, allowExport);
        }
        catch
        {
            ecdh?.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }
}
