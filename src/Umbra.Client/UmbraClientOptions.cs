using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Attestation;

namespace Umbra.Client;

/// <summary>Where the coordinator is, how to talk to it, and what the client demands of a provider before sealing to it.</summary>
public sealed record UmbraClientOptions
{
    /// <summary>The coordinator's base URL, e.g. http://127.0.0.1:8080/ (the client adds v1/...).</summary>
    public required Uri Coordinator { get; init; }

    /// <summary>The consumer's API key, sent as a bearer token; never part of what is sealed.</summary>
    public string? ApiKey { get; init; }

    /// <summary>How many candidate providers one request is sealed to (the coordinator may fail over among them).</summary>
    public int MaxRecipients { get; init; } = 3;

    /// <summary>
    /// The lowest trust level, as this client computes it from the provider's own bundle, that a key must prove
    /// before a request is sealed to it (default <see cref="TrustLevel.SelfSigned"/>). The coordinator's claimed
    /// level is never used. <see cref="TrustLevel.None"/> turns the check off: keys are then the coordinator's word.
    /// </summary>
    public TrustLevel MinimumTrust { get; init; } = TrustLevel.SelfSigned;

    /// <summary>
    /// How old a provider's bundle may be (default 15 minutes: the coordinator re-challenges every 5, so a live
    /// provider's bundle is never older than that by much).
    /// </summary>
    public TimeSpan MaxBundleAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>TPM manufacturer roots for <see cref="TrustLevel.HardwareCertified"/>; none by default.</summary>
    public X509Certificate2Collection TpmRoots { get; init; } = new();

    /// <summary>Apple attestation roots for <see cref="TrustLevel.HardwareCertified"/>; none by default.</summary>
    public X509Certificate2Collection AppleRoots { get; init; } = new();

    /// <summary>
    /// Trust on first use for self_signed providers: the first identity key seen for a provider id is pinned and a
    /// bundle for that id under another identity key is refused (default on; docs/ATTESTATION.md).
    /// </summary>
    public bool PinIdentities { get; init; } = true;

    /// <summary>Where pins are kept between runs ("provider_id identity_key_hex" lines); in memory only when null.</summary>
    public string? IdentityPinsFile { get; init; }

    /// <summary>The clock bundle freshness is judged by (tests use a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
