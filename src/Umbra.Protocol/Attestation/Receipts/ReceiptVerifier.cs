using System.Security.Cryptography;

namespace Umbra.Protocol.Attestation;

/// <summary>The outcome of verifying a receipt; <see cref="Claims"/> is null unless <see cref="Valid"/>.</summary>
public sealed record ReceiptVerificationResult(bool Valid, ReceiptClaims? Claims, IReadOnlyList<VerificationStep> Steps, string? FailureReason);

/// <summary>
/// Checks that a receipt was signed by a provider's identity key (and, given the bundle, that it names that bundle).
/// The MACs are the consumer's to check with <see cref="ReceiptMac.Verify"/>: only it holds the key.
/// </summary>
public static class ReceiptVerifier
{
    public static ReceiptVerificationResult Verify(SignedReceipt receipt, byte[] identityKey)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(identityKey);
        return Run(receipt, identityKey, null);
    }

    /// <summary>Verifies against a verified bundle: its identity key signed the receipt, and the receipt names it and its provider.</summary>
    public static ReceiptVerificationResult Verify(SignedReceipt receipt, AttestationBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(bundle);
        return Run(receipt, bundle.Claims.IdentityKey, bundle);
    }

    private static ReceiptVerificationResult Run(SignedReceipt receipt, byte[] identityKey, AttestationBundle? bundle)
    {
        var log = new StepLog();
        var c = receipt.Claims;
        log.Pass(VerificationStepNames.Decode, $"A well-formed receipt for request {c.RequestId} from provider \"{c.ProviderId}\", model \"{c.Model}\", {c.PromptTokens} prompt and {c.CompletionTokens} completion tokens.");
        if (!EcdsaP256.IsValidPoint(identityKey))
            log.Fail(VerificationStepNames.Signature, "The identity key given is not a valid uncompressed P-256 point.");
        else if (!EcdsaP256.VerifyData(identityKey, receipt.Body, receipt.Signature))
            log.Fail(VerificationStepNames.Signature, $"The receipt's signature does not verify with identity key {BundleVerifier.KeyIdOf(identityKey)}: it was altered, or signed by another key.");
        else
            log.Pass(VerificationStepNames.Signature, $"Signed by identity key {BundleVerifier.KeyIdOf(identityKey)}.");

        if (!log.Failed && bundle is not null)
        {
            if (!CryptographicOperations.FixedTimeEquals(c.BundleHash, bundle.Hash))
                log.Fail("bundle", $"The receipt names bundle {Convert.ToHexStringLower(c.BundleHash)}, not {bundle.HashHex}.");
            else if (!string.Equals(c.ProviderId, bundle.Claims.ProviderId, StringComparison.Ordinal))
                log.Fail("bundle", $"The receipt is from provider \"{c.ProviderId}\" but the bundle is provider \"{bundle.Claims.ProviderId}\"'s.");
            else
                log.Pass("bundle", $"The receipt names bundle {bundle.HashHex} of the same provider.");
        }
        return log.Failed
            ? new ReceiptVerificationResult(false, null, log.Steps, log.FailureReason)
            : new ReceiptVerificationResult(true, c, log.Steps, null);
    }
}
