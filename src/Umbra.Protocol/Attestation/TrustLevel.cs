namespace Umbra.Protocol.Attestation;

/// <summary>
/// How much a verified attestation bundle proves about the provider, weakest first; the values are ordered so
/// that <c>level &gt;= minimum</c> is the check a client makes. Wire names: see <see cref="TrustLevelNames"/>.
/// </summary>
public enum TrustLevel
{
    /// <summary>No bundle, or one that failed verification.</summary>
    None = 0,

    /// <summary>Software keys: the holder of the identity key vouches for the inference keys and the measurement.</summary>
    SelfSigned = 1,

    /// <summary>The keys live in a TPM or Secure Enclave whose evidence verifies, but its maker is not proven.</summary>
    Hardware = 2,

    /// <summary>Hardware, and the platform's certificate chain reaches a root the verifier was configured with.</summary>
    HardwareCertified = 3,
}

/// <summary>The wire names of <see cref="TrustLevel"/>: <c>none</c>, <c>self_signed</c>, <c>hardware</c>, <c>hardware_certified</c>.</summary>
public static class TrustLevelNames
{
    public const string None = "none";
    public const string SelfSigned = "self_signed";
    public const string Hardware = "hardware";
    public const string HardwareCertified = "hardware_certified";

    /// <summary>Every wire name, weakest first, for error messages and help text.</summary>
    public static IReadOnlyList<string> All { get; } = [None, SelfSigned, Hardware, HardwareCertified];

    public static string ToWireName(this TrustLevel level) => level switch
    {
        TrustLevel.None => None,
        TrustLevel.SelfSigned => SelfSigned,
        TrustLevel.Hardware => Hardware,
        TrustLevel.HardwareCertified => HardwareCertified,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a trust level."),
    };

    /// <summary>Parses a wire name, matched exactly (lower case).</summary>
    public static bool TryParse(string? name, out TrustLevel level)
    {
        switch (name)
        {
            case None: level = TrustLevel.None; return true;
            case SelfSigned: level = TrustLevel.SelfSigned; return true;
            case Hardware: level = TrustLevel.Hardware; return true;
            case HardwareCertified: level = TrustLevel.HardwareCertified; return true;
            default: level = TrustLevel.None; return false;
        }
    }

    /// <exception cref="ArgumentException">The name is not one of <see cref="All"/>.</exception>
    public static TrustLevel Parse(string? name) =>
        TryParse(name, out var level)
            ? level
            : throw new ArgumentException($"\"{name}\" is not a trust level; expected one of {string.Join(", ", All)}.", nameof(name));
}
