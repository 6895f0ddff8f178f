namespace Umbra.Protocol.Attestation;

/// <summary>
/// The outcome of verifying a bundle. When <see cref="Valid"/> is false the trust level is
/// <see cref="Attestation.TrustLevel.None"/>, <see cref="Claims"/> is null (nothing in the bundle may be relied on)
/// and <see cref="FailureReason"/> is the first failing step's detail.
/// </summary>
public sealed class VerificationResult
{
    internal VerificationResult(bool valid, TrustLevel trustLevel, AttestationClaims? claims, IReadOnlyList<VerificationStep> steps, string? failureReason, string? bundleHash)
    {
        Valid = valid;
        TrustLevel = trustLevel;
        Claims = claims;
        Steps = steps;
        FailureReason = failureReason;
        BundleHash = bundleHash;
    }

    public bool Valid { get; }

    public TrustLevel TrustLevel { get; }

    /// <summary>The verified claims; null unless <see cref="Valid"/>.</summary>
    public AttestationClaims? Claims { get; }

    /// <summary>Every step that ran, in order; verification stops at the first failure.</summary>
    public IReadOnlyList<VerificationStep> Steps { get; }

    public string? FailureReason { get; }

    /// <summary>The bundle's hash (lower-case hex) when the body could be read.</summary>
    public string? BundleHash { get; }

    public override string ToString() =>
        Valid ? $"valid, {TrustLevel.ToWireName()}" : $"invalid: {FailureReason}";
}
