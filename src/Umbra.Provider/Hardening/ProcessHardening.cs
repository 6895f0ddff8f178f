using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Umbra.Provider.Hardening;

/// <summary>
/// Hardens the provider process before it creates any inference key: a clean image (<see cref="ReexecIfNeeded"/>,
/// first thing in Main) and no core dumps or same-user ptrace (<see cref="Apply"/>). See docs/HARDENING.md.
/// </summary>
public static class ProcessHardening
{
    /// <summary>
    /// On Linux and macOS, when this image's environment holds a dangerous variable or lacks
    /// DOTNET_EnableDiagnostics=0, replaces the process image (execve, same pid) with the same executable and
    /// arguments, the dangerous variables removed, DOTNET_EnableDiagnostics=0 and a marker set. Returns only
    /// when no re-execution was needed or possible; the outcome says which. Call it before anything else in
    /// Main: threads, open files and state of this image are discarded by execve.
    /// </summary>
    /// <param name="args">Main's arguments (without the program name).</param>
    public static ReexecOutcome ReexecIfNeeded(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var initial = EnvironmentSnapshot.Initial();
        var dangerous = DangerousEnvironment.Find(initial);
        int pid = Environment.ProcessId;

        if (initial.TryGetValue(DangerousEnvironment.MarkerVariable, out var marker) && marker == pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            if (DangerousEnvironment.DiagnosticsDisabled(initial))
                DiagnosticSocket.DeleteStale(pid);
            return new(ReexecStatus.AlreadyReexecuted, dangerous, dangerous.Count == 0 ? "running in the scrubbed image" : "re-executed, yet dangerous variables are still set");
        }
        if (dangerous.Count == 0 && DangerousEnvironment.DiagnosticsDisabled(initial))
            return new(ReexecStatus.NotNeeded, dangerous, "environment already clean, diagnostics disabled");
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return new(ReexecStatus.Unsupported, dangerous, $"re-execution is not supported on {RuntimeInformation.OSDescription}");

        string? processPath = Environment.ProcessPath;
        byte[]? commandLine = OperatingSystem.IsLinux() ? TryRead("/proc/self/cmdline") : null;
        var argv = processPath is null ? null : BuildArgv(args, processPath, commandLine, Assembly.GetEntryAssembly()?.Location);
        if (processPath is null || argv is null)
            return new(ReexecStatus.Failed, dangerous, "could not rebuild this process's command line");

        // Built from the managed view so that anything the host set deliberately before calling us is kept.
        var environment = DangerousEnvironment.Scrub(EnvironmentSnapshot.Current(), pid);
        int errno = Execve(processPath, argv, environment);
        return new(ReexecStatus.Failed, dangerous, $"execve({processPath}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>
    /// Applies the in-process measures: RLIMIT_CORE 0 (soft and hard), on Linux PR_SET_DUMPABLE 0, on macOS
    /// PT_DENY_ATTACH; then reads the posture. Never throws for a measure that fails: the report says so.
    /// </summary>
    public static HardeningReport Apply()
    {
        var steps = new List<HardeningStep>();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            var none = new NativeMethods.RLimit { Current = 0, Maximum = 0 };
            steps.Add(Step("core_dumps", NativeMethods.setrlimit(NativeMethods.RLIMIT_CORE, in none), "setrlimit(RLIMIT_CORE, 0)"));
        }
        if (OperatingSystem.IsLinux())
            steps.Add(Step("dumpable", NativeMethods.prctl(NativeMethods.PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE, 0)"));
        if (OperatingSystem.IsMacOS())
            steps.Add(Step("ptrace", NativeMethods.ptrace(NativeMethods.PT_DENY_ATTACH, 0, 0, 0), "ptrace(PT_DENY_ATTACH)"));
        if (steps.Count == 0)
            steps.Add(new("platform", false, $"no in-process hardening on {RuntimeInformation.OSDescription}"));
        return new HardeningReport(steps, PostureProbe.Read());
    }

    private static HardeningStep Step(string name, int result, string call)
    {
        if (result == 0)
            return new(name, true, call);
        int errno = Marshal.GetLastPInvokeError();
        return new(name, false, $"{call}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>
    /// The argv for the new image. Linux: /proc/self/cmdline verbatim (it keeps host options such as
    /// `dotnet exec --runtimeconfig x a.dll`) when it ends with Main's arguments. Otherwise rebuilt: apphost
    /// → [exe, args...]; `dotnet a.dll` → [dotnet, a.dll, args...]. Null when it cannot be rebuilt.
    /// </summary>
    internal static string[]? BuildArgv(string[] args, string processPath, byte[]? procCommandLine, string? entryAssemblyPath)
    {
        if (procCommandLine is { Length: > 0 })
        {
            var fromProc = SplitNul(procCommandLine);
            if (fromProc.Length > args.Length && fromProc.AsSpan(fromProc.Length - args.Length).SequenceEqual(args))
                return fromProc;
        }
        string name = Path.GetFileNameWithoutExtension(processPath);
        if (string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase))
            return string.IsNullOrEmpty(entryAssemblyPath) ? null : [processPath, entryAssemblyPath, .. args];
        return [processPath, .. args];
    }

    internal static string[] SplitNul(byte[] block)
    {
        var span = block.AsSpan();
        if (span[^1] == 0)
            span = span[..^1];
        var parts = new List<string>();
        while (true)
        {
            int end = span.IndexOf((byte)0);
            parts.Add(Encoding.UTF8.GetString(end < 0 ? span : span[..end]));
            if (end < 0)
                return [.. parts];
            span = span[(end + 1)..];
        }
    }

    /// <summary>execve(2); returns errno when it fails (on success it does not return).</summary>
    private static unsafe int Execve(string path, string[] argv, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var envp = environment.Select(e => $"{e.Key}={e.Value}").ToArray();
        var strings = new List<nint>();
        try
        {
            byte* pathz = Utf8z(path, strings);
            byte** argvz = Array(argv, strings);
            byte** envpz = Array(envp, strings);
            NativeMethods.execve(pathz, argvz, envpz);
            return Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (var p in strings)
                NativeMemory.Free((void*)p);
        }
    }

    private static unsafe byte** Array(string[] values, List<nint> allocations)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Length + 1), (nuint)sizeof(byte*));
        allocations.Add((nint)array);
        for (int i = 0; i < values.Length; i++)
            array[i] = Utf8z(values[i], allocations);
        return array;
    }

    private static unsafe byte* Utf8z(string value, List<nint> allocations)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        var buffer = (byte*)NativeMemory.AllocZeroed((nuint)length + 1);
        allocations.Add((nint)buffer);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        return buffer;
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
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
