using System.Buffers.Text;
using System.Text;
using Umbra.Protocol.Attestation;

namespace Umbra.Client.Verification;

/// <summary>The outcome of an offline check: every step in order, whether it all held, the level and a verdict sentence.</summary>
public sealed record OfflineReport(IReadOnlyList<VerificationStep> Steps, bool Valid, TrustLevel TrustLevel, string Verdict);

/// <summary>
/// `umbra verify` as a library: verifies a saved bundle under the user's own policy with
/// <see cref="BundleVerifier"/>, then, if asked, a receipt against that bundle's identity key
/// (<see cref="ReceiptVerifier"/>) and the receipt's request and response MACs (<see cref="ReceiptMac"/>).
/// Nothing is fetched; every step says what it checked.
/// </summary>
public static class OfflineVerifier
{
    /// <exception cref="ArgumentException">The document is a list and <see cref="OfflineCheck.ProviderId"/> does not pick one entry.</exception>
    public static OfflineReport Run(OfflineCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var selection = BundleDocument.Select(check.BundleDocument, check.ProviderId);
        var steps = new List<VerificationStep>();
        if (selection.Problem is { } problem)
        {
            steps.Add(new VerificationStep(VerificationStepNames.Decode, false, problem));
            return Invalid(steps, $"{VerificationStepNames.Decode}: {problem}");
        }

        var policy = new VerificationPolicy
        {
            TimeProvider = check.Now is { } now ? new FixedClock(now) : TimeProvider.System,
            MaxAge = check.MaxAge,
            ExpectedNonce = check.ExpectedNonce,
            TpmRoots = check.TpmRoots,
            AppleRoots = check.AppleRoots,
        };
        var result = BundleVerifier.Verify(selection.Body, selection.Signature, policy);
        steps.AddRange(result.Steps);
        if (!result.Valid)
            return Invalid(steps, result.FailureReason ?? "the bundle did not verify");

        if (selection.ProviderId is { } listed && result.Claims is { } claims && !string.Equals(listed, claims.ProviderId, StringComparison.Ordinal))
        {
            var detail = $"The entry is listed as provider \"{listed}\" but the bundle is provider \"{claims.ProviderId}\"'s: whoever published it attached another provider's bundle.";
            steps.Add(new VerificationStep("provider", false, detail));
            return Invalid(steps, $"provider: {detail}");
        }

        string receiptNote = "";
        if (check.Receipt is { } receiptText)
        {
            var failure = CheckReceipt(receiptText, new AttestationBundle(selection.Body, selection.Signature), check, steps, out receiptNote);
            if (failure is not null)
                return Invalid(steps, failure);
        }
        else if (check.ReceiptKey is not null || check.Request is not null || check.Response is not null)
        {
            throw new ArgumentException("--receipt-key, --request and --response check a receipt's MACs; give the receipt with --receipt.");
        }

        var level = result.TrustLevel;
        return new OfflineReport(steps, true, level, $"VALID: trust level {level.ToWireName()}: {BundleVerifier.Meaning(level)}{receiptNote}");
    }

    private static string? CheckReceipt(string text, AttestationBundle bundle, OfflineCheck check, List<VerificationStep> steps, out string note)
    {
        note = "";
        SignedReceipt receipt;
        try
        {
            receipt = ParseReceipt(text);
        }
        catch (Exception e) when (e is AttestationException or FormatException)
        {
            var detail = $"The receipt is neither receipt JSON {{\"body\",\"signature\"}} nor its base64url token: {e.Message}";
            steps.Add(new VerificationStep("receipt decode", false, detail));
            return $"receipt decode: {detail}";
        }
        var verified = ReceiptVerifier.Verify(receipt, bundle);
        steps.AddRange(verified.Steps.Select(s => s with { Name = "receipt " + s.Name }));
        if (!verified.Valid)
            return "receipt " + verified.FailureReason;

        var c = receipt.Claims;
        note = $" The receipt for request {c.RequestId} ({c.PromptTokens} prompt and {c.CompletionTokens} completion tokens of '{c.Model}') is signed by this provider's identity key and names this bundle.";
        if (check.ReceiptKey is null && check.Request is null && check.Response is null)
        {
            steps.Add(new VerificationStep("receipt macs", true, "Not checked: give --receipt-key with --request and --response to recompute them. Without them the receipt shows the provider signed these counts for some request, not that it was yours."));
            return null;
        }
        if (check.ReceiptKey is not { Length: ReceiptMac.KeyBytes } key)
            throw new ArgumentException($"--receipt-key must be {ReceiptMac.KeyBytes} bytes ({ReceiptMac.KeyBytes * 2} hex digits).");
        if (check.Request is null || check.Response is null)
            throw new ArgumentException("--receipt-key needs both --request and --response.");
        if (!ReceiptMac.Verify(key, check.Request, c.RequestMac))
        {
            var detail = $"HMAC-SHA256 of the {check.Request.Length} request bytes under the receipt key is not the receipt's request MAC: the provider answered another request, or the file is not the exact body that was sealed.";
            steps.Add(new VerificationStep("request mac", false, detail));
            return $"request mac: {detail}";
        }
        steps.Add(new VerificationStep("request mac", true, $"The receipt's request MAC is the HMAC-SHA256 of these {check.Request.Length} request bytes under the receipt key: the provider signed for this request."));
        if (!ReceiptMac.Verify(key, check.Response, c.ResponseMac))
        {
            var detail = $"HMAC-SHA256 of the {check.Response.Length} response bytes under the receipt key is not the receipt's response MAC: the response was not the one the provider signed for (or the file is not the opened payloads, concatenated in order).";
            steps.Add(new VerificationStep("response mac", false, detail));
            return $"response mac: {detail}";
        }
        steps.Add(new VerificationStep("response mac", true, $"The receipt's response MAC is the HMAC-SHA256 of these {check.Response.Length} response bytes: this is the answer the provider signed for."));
        note += " Its MACs match this request and response.";
        return null;
    }

    /// <summary>Reads a receipt from its JSON or from the base64url token (also with an "X-Umbra-Receipt:" or ": umbra-receipt" prefix).</summary>
    /// <exception cref="AttestationException">Not a well-formed receipt.</exception>
    /// <exception cref="FormatException">Neither JSON nor base64url.</exception>
    public static SignedReceipt ParseReceipt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        foreach (var prefix in (string[])["X-Umbra-Receipt:", ": umbra-receipt", "umbra-receipt"])
        {
            if (t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                t = t[prefix.Length..].Trim();
                break;
            }
        }
        if (t.StartsWith('{'))
            return SignedReceipt.FromJson(t);
        return SignedReceipt.FromJson(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(t)));
    }

    private static OfflineReport Invalid(List<VerificationStep> steps, string reason) =>
        new(steps, false, TrustLevel.None, $"INVALID: {reason.TrimEnd('.')}. Trust level none: {BundleVerifier.Meaning(TrustLevel.None)}");

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
