using System.Collections.Concurrent;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Identity.Tpm;
using EvidencePcr = Umbra.Protocol.Attestation.TpmPcrValue;
using EvidenceCertification = Umbra.Protocol.Attestation.TpmCertification;

namespace Umbra.Provider.Attestation;

/// <summary>
/// Keys inside a TPM 2.0: the identity key signs bundles in the TPM, inference keys open requests by
/// TPM2_ECDH_ZGen, and each bundle carries a quote and a certification of every key by the attestation key,
/// bound to the bundle's binding digest. Bundles made with it reach trust level hardware, or
/// hardware_certified when the EK certificate chains to a root the verifier trusts.
/// </summary>
public sealed class TpmKeySource : IProviderKeySource
{
    private readonly TpmKeyProvider _tpm;
    private readonly ConcurrentDictionary<string, TpmInferenceKey> _keys = new(StringComparer.Ordinal);

    private TpmKeySource(TpmKeyProvider tpm)
    {
        _tpm = tpm;
        Identity = new HeldSigner(() => tpm.IdentityPublicKey, data => tpm.SignIdentity(data));
        Evidence = new QuoteEvidence(this);
    }

    public string Kind => "tpm";

    public IAttestationSigner Identity { get; }

    public IEvidenceSource Evidence { get; }

    public static TpmKeySource Open(TpmOptions options) => new(TpmKeyProvider.Open(options));

    public HpkePrivateKey CreateInferenceKey()
    {
        var key = _tpm.CreateInferenceKey();
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
        _tpm.Dispose();
    }

    private sealed class QuoteEvidence(TpmKeySource source) : IEvidenceSource
    {
        public string Kind => EvidenceKinds.Tpm2;

        public PlatformEvidence Collect(ReadOnlySpan<byte> bindingDigest, AttestationClaims claims)
        {
            var keys = claims.InferenceKeys.Select(c => source._keys.TryGetValue(c.KeyId, out var k)
                ? k
                : throw new InvalidOperationException($"Inference key {c.KeyId} is not held by this TPM.")).ToList();
            var a = source._tpm.Attest(bindingDigest, keys);
            return new TpmEvidence(a.AkPublic, a.QuoteAttest, a.QuoteSignature,
                [.. a.Pcrs.Select(p => new EvidencePcr((byte)p.Index, p.Value))],
                [.. a.Certifications.Select(c => new EvidenceCertification(c.Role, c.ObjectPublic, c.CertifyAttest, c.CertifySignature))],
                a.EkCertificate, a.EkChain).ToPlatformEvidence();
        }
    }
}
