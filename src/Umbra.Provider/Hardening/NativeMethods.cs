using System.Runtime.InteropServices;

namespace Umbra.Provider.Hardening;

/// <summary>
/// The few libc calls hardening needs. Linux and macOS only; callers check the platform first.
/// Constants are the Linux (x64/arm64) and macOS values, which agree where both are used.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string LibC = "libc";

    internal const int RLIMIT_CORE = 4; // Linux and macOS
    internal const int PR_GET_DUMPABLE = 3;
    internal const int PR_SET_DUMPABLE = 4;
    internal const int PT_DENY_ATTACH = 31; // macOS
    internal const int CTL_KERN = 1; // macOS sysctl
    internal const int KERN_PROC = 14;
    internal const int KERN_PROC_PID = 1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int setrlimit(int resource, in RLimit limit);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int getrlimit(int resource, out RLimit limit);

    // prctl is variadic in C; on the Linux x64 and arm64 ABIs passing every argument as a full
    // register-sized integer is what the variadic call does as well.
    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int ptrace(int request, int pid, nint addr, int data);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int sysctl(int* name, uint nameLength, void* oldValue, nuint* oldLength, void* newValue, nuint newLength);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int execve(byte* path, byte** argv, byte** envp);
}
