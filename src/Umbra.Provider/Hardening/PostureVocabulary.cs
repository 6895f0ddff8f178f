namespace Umbra.Provider.Hardening;

/// <summary>
/// The posture names and values of the attestation spec ("Posture vocabulary"). Each name's values are
/// listed from best to worst; nothing outside these lists is ever reported by <see cref="PostureProbe"/>.
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

    /// <summary>Every name with its values, best first.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Values { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
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

    /// <summary>Whether <paramref name="value"/> is one of <paramref name="name"/>'s values.</summary>
    public static bool IsKnown(string name, string value) =>
        Values.TryGetValue(name, out var values) && values.Contains(value, StringComparer.Ordinal);
}
