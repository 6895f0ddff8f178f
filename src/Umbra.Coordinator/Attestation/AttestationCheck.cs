using System.Buffers.Text;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Attestation;

/// <summary>What the coordinator concluded from one bundle as it travels on the hub (base64url body and signature).</summary>
internal sealed record BundleCheck(bool Valid, TrustLevel TrustLevel, AttestationClaims? Claims, string? FailureReason, string EvidenceKind, string Hash)
{
    public static BundleCheck Verify(SignedBlob blob, VerificationPolicy policy)
    {
        byte[] body, signature;
        try
        {
            body = Base64Url.DecodeFromChars(blob.Body);
            signature = Base64Url.DecodeFromChars(blob.Signature);
        }
        catch (FormatException)
        {
            return new BundleCheck(false, TrustLevel.None, null, "the bundle's body or signature is not base64url", EvidenceKinds.None, "");
        }
        var result = BundleVerifier.Verify(body, signature, policy);
        var kind = EvidenceKinds.None;
        if (result.Valid)
        {
            try
            {
                kind = new AttestationBundle(body, signature).Evidence.Kind;
            }
            catch (AttestationException)
            {
                // Verified bundles decode; nothing to add if this one somehow does not.
            }
        }
        return new BundleCheck(result.Valid, result.TrustLevel, result.Claims, result.FailureReason, kind, result.BundleHash ?? "");
    }
}
