using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Umbra.Cli.Tests.Support;

/// <summary>
/// Sends POSIX signals to a child (Process can only kill), so tests can stop `umbra serve` the way Ctrl+C and
/// service managers do.
/// </summary>
internal static partial class PosixSignals
{
    // The same numbers on Linux and macOS.
    public const int Interrupt = 2;
    public const int Terminate = 15;

    /// <summary>SIGKILL: gone at once, stopped or not, its sockets closed by the kernel.</summary>
    public const int KillNow = 9;

    /// <summary>SIGSTOP, which the process cannot catch: frozen, a hung machine as its peers see it. Not the same number on macOS.</summary>
    public static int Stop => OperatingSystem.IsMacOS() ? 17 : 19;

    /// <summary>SIGCONT: a stopped process runs on. Not the same number on macOS.</summary>
    public static int Continue => OperatingSystem.IsMacOS() ? 19 : 18;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed");
    }

    /// <summary>
    /// Whether this process ignores SIGINT, as a process started in the background by a non-interactive shell
    /// does. Children inherit that (the .NET runtime then never sees Ctrl+C), so they must be started with the
    /// default disposition put back for an interrupt test to mean anything.
    /// </summary>
    public static bool InterruptIgnoredHere()
    {
        if (!OperatingSystem.IsLinux()) return false;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return (ulong.Parse(line.AsSpan("SigIgn:".Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (Interrupt - 1))) != 0;
        }
        return false;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
