namespace Umbra.Protocol.Attestation;

internal static class AppleEvidenceVerifier
{
    public static EvidenceOutcome Check(AttestationClaims claims, byte[] data, byte[] bindingDigest) =>
        EvidenceOutcome.Fail("Secure Enclave evidence is not verified by this build yet.");
}
