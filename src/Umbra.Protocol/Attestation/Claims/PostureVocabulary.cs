namespace Umbra.Protocol.Attestation;

/// <summary>
/// The posture items Umbra knows, each with its values from best to worst. Names outside this list are carried
/// in bundles and compared by equality only.
/// </summary>
public static class PostureVocabulary
{
    public const string CoreDumps = "core_dumps";
    public const string Dumpable = "dumpable";
    public const string Ptrace = "ptrace";
    public const string Tracer = "tracer";
    public const string Diagnostics = "diagnostics";
    public const string StartupHooks = "startup_hooks";
    public const string Environment = "environment";
    public const string SecureBoot = "secure_boot";
    public const string KernelLockdown = "kernel_lockdown";

    public const string Disabled = "disabled";
    public const string Enabled = "enabled";
    public const string No = "no";
    public const string Yes = "yes";
    public const string Refused = "refused";
    public const string Allowed = "allowed";
    public const string None = "none";
    public const string Attached = "attached";
    public const string Clean = "clean";
    public const string Scrubbed = "scrubbed";
    public const string Dirty = "dirty";
    public const string Unknown = "unknown";
    public const string Confidentiality = "confidentiality";
    public const string Integrity = "integrity";

    private static readonly Dictionary<string, string[]> Ranked = new(StringComparer.Ordinal)
    {
        [CoreDumps] = [Disabled, Enabled],
        [Dumpable] = [No, Yes],
        [Ptrace] = [Refused, Allowed],
        [Tracer] = [None, Attached],
        [Diagnostics] = [Disabled, Enabled],
        [StartupHooks] = [Disabled, Enabled],
        [Environment] = [Clean, Scrubbed, Dirty],
        [SecureBoot] = [Enabled, Disabled, Unknown],
        [KernelLockdown] = [Confidentiality, Integrity, None, Unknown],
    };

    /// <summary>Every known item name, ordinal order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Ranked.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The values of a known item, best first; null for a name Umbra does not know.</summary>
    public static IReadOnlyList<string>? ValuesOf(string name) => Ranked.GetValueOrDefault(name);

    /// <summary>
    /// The rank of <paramref name="value"/> for item <paramref name="name"/> (0 = best), or null when the name or the
    /// value is not in the vocabulary.
    /// </summary>
    public static int? RankOf(string name, string value)
    {
        if (!Ranked.TryGetValue(name, out var values))
            return null;
        var index = Array.IndexOf(values, value);
        return index < 0 ? null : index;
    }

    /// <summary>Whether <paramref name="value"/> is one of the known item <paramref name="name"/>'s values.</summary>
    public static bool IsKnown(string name, string value) => RankOf(name, value) is not null;
}
