using System.Security.Cryptography;
using Umbra.Protocol.Sealing;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Verifies attestation bundles offline, step by step: decode → signature → freshness → nonce → key binding →
/// measurement → evidence → certificate chain → trust level. It never throws for a bad bundle: the result says
/// which step failed and why, in words <c>umbra verify</c> prints as they are.
/// </summary>
public static class BundleVerifier
{
    internal const string UnexpectedPrefix = "the verifier failed unexpectedly";

    /// <summary>Verifies a bundle in its JSON form (<c>{"body", "signature"}</c>); a malformed document fails the decode step.</summary>
    public static VerificationResult VerifyJson(ReadOnlySpan<byte> utf8Json, VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        AttestationBundle bundle;
        try
        {
            bundle = AttestationBundle.FromJson(utf8Json);
        }
        catch (AttestationException e)
        {
            return DecodeFailure(e);
        }
        return Verify(bundle, policy);
    }

    /// <summary>Verifies a body and signature as received; a malformed body fails the decode step.</summary>
    public static VerificationResult Verify(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature, VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        AttestationBundle bundle;
        try
        {
            bundle = new AttestationBundle(body, signature);
        }
        catch (AttestationException e)
        {
            return DecodeFailure(e);
        }
        return Verify(bundle, policy);
    }

    public static VerificationResult Verify(AttestationBundle bundle, VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(policy);
        var log = new StepLog();
        TrustLevel level;
        try
        {
            level = Run(bundle, policy, log);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug, not a verdict on the bundle; still a refusal, never an exception to the caller.
            log.Fail(log.Steps.Count == 0 ? VerificationStepNames.Decode : log.Steps[^1].Name, $"{UnexpectedPrefix} ({e.GetType().Name}: {e.Message})");
            level = TrustLevel.None;
        }
        return log.Failed
            ? new VerificationResult(false, TrustLevel.None, null, log.Steps, log.FailureReason, bundle.HashHex)
            : new VerificationResult(true, level, bundle.Claims, log.Steps, null, bundle.HashHex);
    }

    private static VerificationResult DecodeFailure(AttestationException e)
    {
        var log = new StepLog();
        log.Fail(VerificationStepNames.Decode, e.Message);
        return new VerificationResult(false, TrustLevel.None, null, log.Steps, log.FailureReason, null);
    }

    private static TrustLevel Run(AttestationBundle bundle, VerificationPolicy policy, StepLog log)
    {
        var claims = bundle.Claims;
        log.Pass(VerificationStepNames.Decode,
            $"The body is a well-formed version 1 bundle ({bundle.Body.Length} bytes, SHA-256 {bundle.HashHex}) from provider \"{claims.ProviderId}\" with {claims.InferenceKeys.Count} inference key(s) and {claims.Models.Count} model(s); evidence kind \"{bundle.Evidence.Kind}\".");

        if (!CheckSignature(bundle, log)
            || !CheckFreshness(claims, policy, log)
            || !CheckNonce(claims, policy, log)
            || !CheckKeyBinding(claims, log)
            || !CheckMeasurement(claims, policy, log))
            return TrustLevel.None;

        var digest = bundle.BindingDigest();
        using var outcome = bundle.Evidence.Kind switch
        {
            EvidenceKinds.None => EvidenceOutcome.Pass(
                "No platform evidence: nothing is proven about the machine or where the keys are kept; only the identity key vouches for the claims.",
                TrustLevel.SelfSigned, "there is no platform evidence, so there is no certificate chain"),
            EvidenceKinds.Tpm2 => TpmEvidenceVerifier.Check(claims, bundle.Evidence.Data, digest),
            EvidenceKinds.AppleSecureEnclave => AppleEvidenceVerifier.Check(claims, bundle.Evidence.Data, digest),
            _ => EvidenceOutcome.Fail($"The evidence kind \"{bundle.Evidence.Kind}\" is not one this verifier knows."),
        };
        if (!log.Record(VerificationStepNames.Evidence, outcome.Passed, outcome.Detail))
            return TrustLevel.None;

        var level = outcome.Level;
        if (outcome.Leaf is null)
        {
            log.Pass(VerificationStepNames.CertificateChain, $"Not checked: {outcome.NoChainReason}.");
        }
        else
        {
            var roots = outcome.UsesAppleRoots ? policy.AppleRoots : policy.TpmRoots;
            var rootsName = outcome.UsesAppleRoots ? "Apple" : "TPM";
            if (ChainValidator.TryBuild(outcome.Leaf, outcome.Intermediates, roots, policy.TimeProvider.GetUtcNow(), out var chainDetail))
            {
                level = TrustLevel.HardwareCertified;
                log.Pass(VerificationStepNames.CertificateChain, $"{outcome.ChainName} is rooted: {chainDetail}.");
            }
            else
            {
                log.Pass(VerificationStepNames.CertificateChain,
                    $"{outcome.ChainName} is not rooted: {chainDetail} (configured {rootsName} roots: {roots.Count}). Without a rooted chain nothing shows the hardware is genuine, so the trust level stays at hardware.");
            }
        }

        log.Pass(VerificationStepNames.TrustLevel, $"{level.ToWireName()}: {Meaning(level)}");
        return level;
    }

    private static bool CheckSignature(AttestationBundle bundle, StepLog log)
    {
        const string step = VerificationStepNames.Signature;
        if (!EcdsaP256.IsValidPoint(bundle.Claims.IdentityKey))
            return log.Fail(step, "The identity key is not a valid uncompressed P-256 point, so no signature by it can be checked.");
        if (!EcdsaP256.VerifyData(bundle.Claims.IdentityKey, bundle.Body, bundle.Signature))
            return log.Fail(step, $"The ECDSA P-256 signature over the body does not verify with the identity key {KeyIdOf(bundle.Claims.IdentityKey)}: the bundle was altered or signed by another key.");
        log.Pass(step, $"The body is signed by the identity key it names ({KeyIdOf(bundle.Claims.IdentityKey)}), ECDSA P-256 over SHA-256.");
        return true;
    }

    private static bool CheckFreshness(AttestationClaims claims, VerificationPolicy policy, StepLog log)
    {
        const string step = VerificationStepNames.Freshness;
        var nowMs = policy.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var skewMs = (long)policy.ClockSkew.TotalMilliseconds;
        var maxAgeMs = (long)policy.MaxAge.TotalMilliseconds;
        var ts = claims.TimestampUnixMs;
        var when = claims.Timestamp is { } t ? t.ToString("u") : $"{ts} ms since 1970";
        // Compare without subtracting the untrusted value, which could overflow.
        if (ts > nowMs + skewMs)
            return log.Fail(step, $"The bundle is dated {when}, in the future by more than the allowed clock skew of {policy.ClockSkew.TotalSeconds:0} s.");
        if (ts < nowMs - maxAgeMs - skewMs)
            return log.Fail(step, $"The bundle is dated {when}, older than the maximum age of {policy.MaxAge.TotalSeconds:0} s (plus {policy.ClockSkew.TotalSeconds:0} s clock skew): it may be replayed.");
        log.Pass(step, $"Made at {when}, {Math.Max(0, nowMs - ts) / 1000.0:0.#} s ago: within the maximum age of {policy.MaxAge.TotalSeconds:0} s.");
        return true;
    }

    private static bool CheckNonce(AttestationClaims claims, VerificationPolicy policy, StepLog log)
    {
        const string step = VerificationStepNames.Nonce;
        if (policy.ExpectedNonce is null)
        {
            log.Pass(step, claims.Nonce.Length == 0
                ? "No challenge was issued and the bundle carries none; freshness rests on the timestamp."
                : $"No challenge was issued; the bundle answers someone else's ({claims.Nonce.Length} bytes), which is not checked. Freshness rests on the timestamp.");
            return true;
        }
        if (!CryptographicOperations.FixedTimeEquals(claims.Nonce, policy.ExpectedNonce))
            return log.Fail(step, claims.Nonce.Length == 0
                ? "A challenge was issued but the bundle carries no nonce: it was not made in answer to it."
                : "The bundle's nonce is not the challenge this verifier issued: it answers another challenge, or is a replay.");
        log.Pass(step, $"The bundle carries the challenge this verifier issued ({claims.Nonce.Length} bytes): it was made after the challenge.");
        return true;
    }

    private static bool CheckKeyBinding(AttestationClaims claims, StepLog log)
    {
        const string step = VerificationStepNames.KeyBinding;
        foreach (var key in claims.InferenceKeys)
        {
            if (!HpkePublicKey.TryImport(key.PublicKey, out var hpke))
                return log.Fail(step, $"Inference key {key.KeyId} is not a valid P-256 point.");
            if (!string.Equals(hpke.KeyId, key.KeyId, StringComparison.Ordinal))
                return log.Fail(step, $"Inference key \"{key.KeyId}\" is listed under the wrong key id: its public key's id is {hpke.KeyId}.");
            if (!SealingSuites.TryGetSuite(key.Suite, out _))
                return log.Fail(step, $"Inference key {key.KeyId} names suite \"{key.Suite}\", which is not one of {string.Join(", ", SealingSuites.Names)}.");
        }
        log.Pass(step, claims.InferenceKeys.Count == 0
            ? "The bundle lists no inference keys: no sealed request can be sent to this provider."
            : $"Each of the {claims.InferenceKeys.Count} inference key(s) is a valid P-256 point listed under its own key id ({string.Join(", ", claims.InferenceKeys.Select(k => k.KeyId))}) with a known suite; the signature binds them to the identity key.");
        return true;
    }

    private static bool CheckMeasurement(AttestationClaims claims, VerificationPolicy policy, StepLog log)
    {
        const string step = VerificationStepNames.Measurement;
        var hex = claims.Measurement.ExecutableSha256Hex;
        if (policy.AllowedMeasurements is null)
        {
            log.Pass(step, $"Executable SHA-256 {hex} with {claims.Measurement.Assemblies.Count} assembly hash(es); no allowed list is configured, so it is reported, not checked.");
            return true;
        }
        var allowed = policy.AllowedMeasurements.Contains(hex) || policy.AllowedMeasurements.Contains(hex.ToUpperInvariant())
            || policy.AllowedMeasurements.Any(m => string.Equals(m, hex, StringComparison.OrdinalIgnoreCase));
        if (!allowed)
            return log.Fail(step, $"The executable's SHA-256 {hex} is not in the allowed list ({policy.AllowedMeasurements.Count} entries): the provider runs a binary this verifier does not accept.");
        log.Pass(step, $"The executable's SHA-256 {hex} is in the allowed list.");
        return true;
    }

    internal static string KeyIdOf(ReadOnlySpan<byte> point)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(point, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>What a trust level proves, in a sentence for users.</summary>
    public static string Meaning(TrustLevel level) => level switch
    {
        TrustLevel.SelfSigned => "whoever holds the identity key vouches for these inference keys and this measurement; nothing is proven about the machine, and the keys may be copied.",
        TrustLevel.Hardware => "the keys were made inside a TPM or Secure Enclave and cannot leave it, per evidence that verifies; but no configured root shows the hardware is genuine (a software TPM would pass).",
        TrustLevel.HardwareCertified => "hardware-held keys, and the platform's certificate chain reaches a configured manufacturer root.",
        _ => "nothing is proven.",
    };
}
