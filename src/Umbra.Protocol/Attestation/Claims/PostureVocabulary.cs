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

    private static readonly Dictionary<string, string[]> Ranked = new(StringComparer.Ordinal)
    {
        [CoreDumps] = ["disabled", "enabled"],
        [Dumpable] = ["no", "yes"],
        [Ptrace] = ["refused", "allowed"],
        [Tracer] = ["none", "attached"],
        [Diagnostics] = ["disabled", "enabled"],
        [StartupHooks] = ["disabled", "enabled"],
        [Environment] = ["clean", "scrubbed", "dirty"],
        [SecureBoot] = ["enabled", "disabled", "unknown"],
        [KernelLockdown] = ["confidentiality", "integrity", "none", "unknown"],
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
}
