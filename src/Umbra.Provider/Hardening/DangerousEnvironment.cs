namespace Umbra.Provider.Hardening;

/// <summary>
/// Environment variables that let whoever sets them run code inside, observe, or dump a process before or
/// while it holds inference keys. The list, and why each entry is on it, is in docs/HARDENING.md.
/// </summary>
public static class DangerousEnvironment
{
    /// <summary>Set by <see cref="ProcessHardening.ReexecIfNeeded"/> to the process id it re-executed (execve keeps the pid).</summary>
    public const string MarkerVariable = "UMBRA_HARDENED_PID";

    /// <summary>The diagnostics switch the re-executed image gets: no debugger, profiler, EventPipe or diagnostic port.</summary>
    public const string DiagnosticsVariable = "DOTNET_EnableDiagnostics";

    // Whole families: the dynamic loaders (glibc/musl LD_*, macOS dyld), the CLR profiler API (CORECLR_*,
    // and COR_* from .NET Framework which some tools still set), Mono's option variables.
    private static readonly string[] DangerousPrefixes = ["LD_", "DYLD_", "CORECLR_", "COR_", "MONO_"];

    // Exact names outside those families: glibc's own list of variables it ignores for setuid programs
    // (sysdeps/generic/unsecvars.h) less TMPDIR and TZDIR, and OpenSSL's module/engine loading, which
    // .NET's crypto on Linux goes through.
    private static readonly HashSet<string> DangerousNames = new(StringComparer.Ordinal)
    {
        "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH", "MALLOC_TRACE", "NIS_PATH",
        "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS",
        "OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES",
    };

    // .NET runtime and host knobs, read as DOTNET_<knob> or COMPlus_<knob>: code injection (startup hooks,
    // profilers, extra deps), remote control (diagnostic ports, EventPipe) and crash dumps that bypass
    // RLIMIT_CORE (createdump). Compared case-insensitively: the prefixes have been spelled several ways.
    // The EnableDiagnostics switches are not here: they are the "diagnostics" posture item, and a scrubbed
    // image gets exactly DOTNET_EnableDiagnostics=0 (see Scrub).
    private static readonly string[] DangerousRuntimeKnobs =
    [
        "STARTUP_HOOKS", "ADDITIONAL_DEPS", "SHARED_STORE", "ENABLE_PROFILING", "PROFILER",
        "DiagnosticPorts", "EnableEventPipe", "EventPipe",
        "DbgEnableMiniDump", "DbgMiniDump", "CreateDump", "EnableCrashReport",
    ];

    private static readonly string[] RuntimePrefixes = ["DOTNET_", "COMPlus_"];

    /// <summary>Whether setting <paramref name="name"/> can change what code runs in, or who can read, this process.</summary>
    public static bool IsDangerous(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (DangerousNames.Contains(name))
            return true;
        foreach (var prefix in DangerousPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        }
        return IsRuntimeKnob(name, DangerousRuntimeKnobs);
    }

    private static bool IsDiagnosticsSwitch(string name) => IsRuntimeKnob(name, ["EnableDiagnostics"]);

    private static bool IsRuntimeKnob(string name, string[] knobs)
    {
        foreach (var prefix in RuntimePrefixes)
        {
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                continue;
            var knob = name.AsSpan(prefix.Length);
            foreach (var candidate in knobs)
            {
                if (knob.StartsWith(candidate, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether the diagnostics switch is off in <paramref name="environment"/>: DOTNET_EnableDiagnostics=0
    /// (COMPlus_EnableDiagnostics=0 when the DOTNET_ form is absent), or, since .NET 8, the IPC, debugger
    /// and profiler switches all off.
    /// </summary>
    public static bool DiagnosticsDisabled(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.TryGetValue(DiagnosticsVariable, out var value))
            return IsZero(value);
        if (environment.TryGetValue("COMPlus_EnableDiagnostics", out value) && IsZero(value))
            return true;
        return environment.TryGetValue("DOTNET_EnableDiagnostics_IPC", out var ipc) && IsZero(ipc)
            && environment.TryGetValue("DOTNET_EnableDiagnostics_Debugger", out var debugger) && IsZero(debugger)
            && environment.TryGetValue("DOTNET_EnableDiagnostics_Profiler", out var profiler) && IsZero(profiler);
    }

    /// <summary>The dangerous names present in <paramref name="environment"/>, sorted.</summary>
    public static IReadOnlyList<string> Find(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var found = environment.Keys.Where(IsDangerous).ToList();
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>
    /// The environment a scrubbed image starts with: <paramref name="environment"/> without any dangerous
    /// variable or diagnostics switch, then DOTNET_EnableDiagnostics=0 and the marker set to <paramref name="processId"/>.
    /// </summary>
    public static SortedDictionary<string, string> Scrub(IReadOnlyDictionary<string, string> environment, int processId)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var scrubbed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in environment)
        {
            if (!IsDangerous(name) && !IsDiagnosticsSwitch(name))
                scrubbed[name] = value;
        }
        scrubbed[DiagnosticsVariable] = "0";
        scrubbed[MarkerVariable] = processId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return scrubbed;
    }

    private static bool IsZero(string value) => value.Trim() == "0";
}
