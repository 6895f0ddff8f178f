using System.Security.Cryptography.X509Certificates;

namespace Umbra.Protocol.Attestation;

/// <summary>What a verifier accepts. The defaults suit a client that did not send a challenge and trusts no roots.</summary>
public sealed class VerificationPolicy
{
    /// <summary>The clock freshness and certificate validity are judged against.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How old a bundle may be (default 10 minutes).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How far the provider's clock may be off from ours, either way (default 2 minutes).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The challenge nonce this verifier issued, if it issued one; the bundle must carry exactly it.</summary>
    public byte[]? ExpectedNonce { get; init; }

    /// <summary>
    /// TPM manufacturer roots an EK certificate must chain to for <see cref="TrustLevel.HardwareCertified"/>.
    /// Only these are trusted: never the system store; revocation is not checked.
    /// </summary>
    public X509Certificate2Collection TpmRoots { get; init; } = new();

    /// <summary>Apple attestation roots a Secure Enclave chain must reach for <see cref="TrustLevel.HardwareCertified"/>.</summary>
    public X509Certificate2Collection AppleRoots { get; init; } = new();

    /// <summary>
    /// When set, the executable's SHA-256 (hex, either case) must be in this set; when null, any measurement is accepted
    /// (and reported).
    /// </summary>
    public IReadOnlySet<string>? AllowedMeasurements { get; init; }
}
