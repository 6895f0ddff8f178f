using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Umbra.Protocol.Attestation;
using static Umbra.Protocol.Attestation.PostureVocabulary;

namespace Umbra.Provider.Hardening;

/// <summary>
/// Reads this process's security posture now, from the kernel and the runtime rather than from what hardening
/// meant to do, so a liveness challenge can read it again and notice a posture that got worse. Readings that
/// cannot be made report the worst value (or "unknown" where the vocabulary has it).
/// </summary>
public static class PostureProbe
{
    internal const string SecureBootVariable = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
    internal const string LockdownFile = "/sys/kernel/security/lockdown";
    internal const string YamaFile = "/proc/sys/kernel/yama/ptrace_scope";
    private const string StartupHookSwitch = "System.StartupHookProvider.IsSupported";

    /// <summary>The posture as (name, value) pairs sorted by name (ordinal), as the attestation bundle lists them.</summary>
    public static IReadOnlyList<PostureItem> Read()
    {
        var environment = EnvironmentSnapshot.Initial();
        bool? dumpable = ReadDumpable();
        var items = new List<PostureItem>
        {
            new(CoreDumps, ReadCoreDumps(environment)),
            new(Diagnostics, ReadDiagnostics(environment)),
            new(Dumpable, dumpable switch { false => No, _ => Yes }),
            new(PostureVocabulary.Environment, ClassifyEnvironment(environment, System.Environment.ProcessId)),
            new(KernelLockdown, ParseLockdown(TryReadText(LockdownFile))),
            new(Ptrace, ReadPtrace(dumpable)),
            new(SecureBoot, ParseSecureBoot(TryReadBytes(SecureBootVariable))),
            new(StartupHooks, ReadStartupHooks(environment)),
            new(Tracer, ReadTracer()),
        };
        items.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return items;
    }

    /// <summary>One line for logs: "core_dumps=disabled diagnostics=disabled ...". Holds no secrets.</summary>
    public static string Summarize(IEnumerable<PostureItem> posture) => string.Join(' ', posture.Select(p => $"{p.Name}={p.Value}"));

    private static string ReadCoreDumps(Dictionary<string, string> environment)
    {
        // The runtime's own crash dumper (createdump) does not honour RLIMIT_CORE.
        if (environment.TryGetValue("DOTNET_DbgEnableMiniDump", out var minidump) && minidump.Trim() == "1")
            return Enabled;
        if (OperatingSystem.IsWindows())
            return Enabled; // Windows Error Reporting may dump; nothing here turns it off.
        return NativeMethods.getrlimit(NativeMethods.RLIMIT_CORE, out var limit) == 0 && limit.Current == 0 ? Disabled : Enabled;
    }

    private static bool? ReadDumpable()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        int value = NativeMethods.prctl(NativeMethods.PR_GET_DUMPABLE, 0, 0, 0, 0);
        return value < 0 ? null : value != 0;
    }

    private static string ReadPtrace(bool? dumpable)
    {
        if (OperatingSystem.IsLinux())
        {
            // Non-dumpable: the kernel refuses ptrace attach (and /proc/<pid>/mem) to anyone without
            // CAP_SYS_PTRACE. Yama scope 2 (admin only) or 3 (none) refuses it whatever the process does.
            if (dumpable == false)
                return Refused;
            return int.TryParse(TryReadText(YamaFile), NumberStyles.Integer, CultureInfo.InvariantCulture, out int scope) && scope >= 2 ? Refused : Allowed;
        }
        if (OperatingSystem.IsMacOS())
            return MacProcessFlags() is int flags && (flags & MacNoAttach) != 0 ? Refused : Allowed;
        return Allowed;
    }

    private static string ReadTracer()
    {
        if (OperatingSystem.IsLinux())
        {
            return TryReadText("/proc/self/status") is string status && ParseTracerPid(status) is int pid
                ? (pid == 0 ? None : Attached)
                : Attached; // Unreadable status: assume the worst.
        }
        if (OperatingSystem.IsMacOS() && MacProcessFlags() is int flags)
            return (flags & MacTraced) != 0 ? Attached : None;
        return Debugger.IsAttached ? Attached : None;
    }

    private static string ReadDiagnostics(Dictionary<string, string> environment)
    {
        if (!DangerousEnvironment.DiagnosticsDisabled(environment))
            return Enabled;
        // Belt and braces: the runtime's diagnostic server listens on $TMPDIR/dotnet-diagnostic-<pid>-*-socket.
        return OperatingSystem.IsWindows() || !DiagnosticSocket.Find(System.Environment.ProcessId).Any() ? Disabled : Enabled;
    }

    private static string ReadStartupHooks(Dictionary<string, string> environment)
    {
        // StartupHookSupport=false in the project makes the runtime ignore hooks however they are given.
        if (AppContext.TryGetSwitch(StartupHookSwitch, out bool supported) && !supported)
            return Disabled;
        bool configured = !string.IsNullOrWhiteSpace(AppContext.GetData("STARTUP_HOOKS") as string)
            || (environment.TryGetValue("DOTNET_STARTUP_HOOKS", out var hooks) && !string.IsNullOrWhiteSpace(hooks));
        return configured ? Enabled : Disabled;
    }

    /// <summary>dirty: a dangerous variable is set; scrubbed: none is and this image is the re-executed one; else clean.</summary>
    internal static string ClassifyEnvironment(IReadOnlyDictionary<string, string> environment, int processId)
    {
        if (DangerousEnvironment.Find(environment).Count > 0)
            return Dirty;
        return environment.TryGetValue(DangerousEnvironment.MarkerVariable, out var marker)
            && marker == processId.ToString(CultureInfo.InvariantCulture) ? Scrubbed : Clean;
    }

    /// <summary>The TracerPid field of a /proc/&lt;pid&gt;/status text; null when absent or malformed.</summary>
    internal static int? ParseTracerPid(string status)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("TracerPid:", StringComparison.Ordinal))
                continue;
            return int.TryParse(line["TracerPid:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        return null;
    }

    /// <summary>The bracketed (active) mode of /sys/kernel/security/lockdown, e.g. "none [integrity] confidentiality".</summary>
    internal static string ParseLockdown(string? text)
    {
        if (text is null)
            return Unknown;
        int open = text.IndexOf('[', StringComparison.Ordinal);
        int close = open < 0 ? -1 : text.IndexOf(']', open + 1);
        if (close < 0)
            return Unknown;
        return text[(open + 1)..close] switch
        {
            "none" => None,
            "integrity" => Integrity,
            "confidentiality" => Confidentiality,
            _ => Unknown,
        };
    }

    /// <summary>The SecureBoot EFI variable: 4 bytes of attributes, then one byte, 1 when secure boot is on.</summary>
    internal static string ParseSecureBoot(byte[]? variable) => variable switch
    {
        null or { Length: < 5 } => Unknown,
        _ when variable[4] == 1 => Enabled,
        _ when variable[4] == 0 => Disabled,
        _ => Unknown,
    };

    // macOS: struct kinfo_proc from sysctl {CTL_KERN, KERN_PROC, KERN_PROC_PID, pid}; p_flag is the int at
    // offset 32 of its first member (struct extern_proc) on 64-bit (Apple Technical Q&A QA1361).
    private const int MacTraced = 0x00000800;   // P_TRACED
    private const int MacNoAttach = 0x00001000; // P_LNOATTACH, set by PT_DENY_ATTACH
    private const int MacFlagOffset = 32;

    private static unsafe int? MacProcessFlags()
    {
        int* mib = stackalloc int[] { NativeMethods.CTL_KERN, NativeMethods.KERN_PROC, NativeMethods.KERN_PROC_PID, System.Environment.ProcessId };
        byte* info = stackalloc byte[1024]; // sizeof(struct kinfo_proc) is 648 on 64-bit macOS
        nuint length = 1024;
        if (NativeMethods.sysctl(mib, 4, info, &length, null, 0) != 0 || length < MacFlagOffset + sizeof(int))
            return null;
        return *(int*)(info + MacFlagOffset);
    }

    internal static string? TryReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static byte[]? TryReadBytes(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
