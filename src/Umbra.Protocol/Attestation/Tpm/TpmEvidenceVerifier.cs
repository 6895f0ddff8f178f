namespace Umbra.Protocol.Attestation;

internal static class TpmEvidenceVerifier
{
    public static EvidenceOutcome Check(AttestationClaims claims, byte[] data, byte[] bindingDigest) =>
        EvidenceOutcome.Fail("TPM 2.0 evidence is not verified by this build yet.");
}
