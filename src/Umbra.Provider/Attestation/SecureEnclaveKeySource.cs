using System.Collections.Concurrent;
using System.Runtime.Versioning;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Identity.SecureEnclave;

namespace Umbra.Provider.Attestation;

/// <summary>
/// Keys in the macOS Secure Enclave: the identity key signs bundles inside it and inference keys open requests by
/// ECDH inside it, so no private key is ever in this process. Its bundles are self_signed: showing a verifier that
/// the keys live in an enclave takes an Apple device-attestation certificate whose nonce is each bundle's binding
/// digest, which only Apple's device-management attestation issues; the verifier for that evidence exists
/// (apple-secure-enclave), obtaining it does not yet. Linux CI does not exercise this path (docs/TPM.md).
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class SecureEnclaveKeySource : IProviderKeySource
{
    private readonly SecureEnclaveKeyProvider _enclave;
    private readonly ConcurrentDictionary<string, SecureEnclaveInferenceKey> _keys = new(StringComparer.Ordinal);

    private SecureEnclaveKeySource(SecureEnclaveKeyProvider enclave)
    {
        _enclave = enclave;
        Identity = new HeldSigner(() => enclave.IdentityPublicKey, data => enclave.SignIdentity(data));
    }

    public string Kind => "secure-enclave";

    public IAttestationSigner Identity { get; }

    public IEvidenceSource Evidence => NoEvidence.Instance;

    public static SecureEnclaveKeySource Open() => new(SecureEnclaveKeyProvider.Open());

    public HpkePrivateKey CreateInferenceKey()
    {
        var key = _enclave.CreateInferenceKey();
        _keys[key.KeyId] = key;
        return HpkePrivateKey.FromAgreement(new HeldAgreement(key.PublicKey, (peer, shared) => key.Agree(peer, shared)));
    }

    public void Forget(string keyId)
    {
        if (_keys.TryRemove(keyId, out var key))
            key.Dispose();
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
            key.Dispose();
        _enclave.Dispose();
    }
}
