using System.Runtime.Versioning;
using static Umbra.Provider.Identity.SecureEnclave.AppleSecurityInterop;

namespace Umbra.Provider.Identity.SecureEnclave;

/// <summary>
/// The provider's keys in the macOS Secure Enclave: an identity key (ECDSA P-256, signs bundles and receipts)
/// and inference keys (ECDH P-256), each generated inside the enclave and usable only through it. The keys are
/// not stored in a keychain: they live as long as this object (a restart creates new ones).
/// </summary>
/// <remarks>
/// Compiles everywhere; <see cref="Open"/> throws <see cref="PlatformNotSupportedException"/> off macOS. Linux
/// CI does not exercise this class: its tests run only on a Mac.
/// </remarks>
[SupportedOSPlatform("macos")]
public sealed class SecureEnclaveKeyProvider : IDisposable
{
    private readonly CFHandle _identity;
    private readonly byte[] _identityPublicKey;

    private SecureEnclaveKeyProvider(CFHandle identity)
    {
        _identity = identity;
        _identityPublicKey = PublicPoint(identity);
    }

    /// <summary>Creates the identity key in the Secure Enclave.</summary>
    /// <exception cref="PlatformNotSupportedException">Not macOS.</exception>
    /// <exception cref="SecureEnclaveException">No Secure Enclave, or Security.framework refused.</exception>
    public static SecureEnclaveKeyProvider Open()
    {
        ThrowIfNotMacOS();
        var identity = CreateEnclaveKey();
        try
        {
            return new SecureEnclaveKeyProvider(identity);
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    /// <summary>The identity key's public key: a 65-byte SEC1 uncompressed P-256 point; a fresh copy.</summary>
    public byte[] IdentityPublicKey => (byte[])_identityPublicKey.Clone();

    /// <summary>ECDSA P-256 with SHA-256 over <paramref name="data"/>, as IEEE P1363 r||s (64 bytes).</summary>
    public byte[] SignIdentity(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_identity.IsClosed, this);
        return EcdsaSignatureFormat.DerToP1363(SignMessage(_identity, data));
    }

    /// <summary>Creates a new inference key in the Secure Enclave.</summary>
    public SecureEnclaveInferenceKey CreateInferenceKey()
    {
        ObjectDisposedException.ThrowIf(_identity.IsClosed, this);
        return new SecureEnclaveInferenceKey(CreateEnclaveKey());
    }

    public void Dispose() => _identity.Dispose();

    internal static void ThrowIfNotMacOS()
    {
        if (!OperatingSystem.IsMacOS())
            throw new PlatformNotSupportedException("Secure Enclave keys exist only on macOS; use the TPM or software keys on this platform.");
    }
}
