using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Attestation;

/// <summary>
/// Where a provider's keys live: in software (a key file only its user can read), a TPM 2.0, or the Secure
/// Enclave. It signs bundles with the identity key, makes inference keys, and collects platform evidence.
/// </summary>
public interface IProviderKeySource : IDisposable
{
    /// <summary>software, tpm or secure-enclave.</summary>
    string Kind { get; }

    IAttestationSigner Identity { get; }

    IEvidenceSource Evidence { get; }

    /// <summary>A new inference key held by this source (never exportable).</summary>
    HpkePrivateKey CreateInferenceKey();

    /// <summary>Destroys a retired inference key this source holds (a TPM object, an enclave key); software keys need nothing.</summary>
    void Forget(string keyId)
    {
    }
}
