using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Checks <c>apple-secure-enclave</c> evidence: the leaf certifies the identity key and carries the binding digest
/// as its nonce. Whether the chain reaches a configured Apple root is the certificate chain step's question.
/// </summary>
internal static class AppleEvidenceVerifier
{
    public static EvidenceOutcome Check(AttestationClaims claims, byte[] data, byte[] bindingDigest)
    {
        AppleEnclaveEvidence evidence;
        try
        {
            evidence = AppleEnclaveEvidence.Decode(data);
        }
        catch (AttestationException e)
        {
            return EvidenceOutcome.Fail(e.Message);
        }
        var certificates = CertificateParsing.TryLoadAll(evidence.Chain, "The Secure Enclave chain certificate", out var error);
        if (certificates is null)
            return EvidenceOutcome.Fail(error + ".");
        var leaf = certificates[0];
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++)
            intermediates.Add(certificates[i]);
        var keep = false;
        try
        {
            using var key = leaf.GetECDsaPublicKey();
            if (key is null)
                return EvidenceOutcome.Fail("The Secure Enclave leaf certificate does not hold an EC key.");
            var parameters = key.ExportParameters(includePrivateParameters: false);
            if (!EcdsaP256.IsP256(parameters) || !EcdsaP256.PointOf(parameters).AsSpan().SequenceEqual(claims.IdentityKey))
                return EvidenceOutcome.Fail("The Secure Enclave leaf certificate certifies another key, not the bundle's identity key.");
            var nonce = AppleNonceExtension.TryRead(leaf, out error);
            if (nonce is null)
                return EvidenceOutcome.Fail($"In the Secure Enclave leaf certificate, {error}.");
            if (!CryptographicOperations.FixedTimeEquals(nonce, bindingDigest))
                return EvidenceOutcome.Fail("The Secure Enclave leaf certificate's nonce is not this bundle's binding digest: it was made for other claims, or replayed.");
            keep = true;
            return EvidenceOutcome.PassWithChain(
                $"The Secure Enclave attestation leaf (\"{leaf.Subject}\") certifies the identity key and carries this bundle's binding digest as its nonce; the inference keys are bound by the identity key's signature.",
                leaf, intermediates, "The Apple attestation chain", appleRoots: true);
        }
        catch (CryptographicException e)
        {
            return EvidenceOutcome.Fail($"The Secure Enclave leaf certificate's key cannot be read ({e.Message}).");
        }
        finally
        {
            if (!keep)
            {
                foreach (var certificate in certificates)
                    certificate.Dispose();
            }
        }
    }
}
