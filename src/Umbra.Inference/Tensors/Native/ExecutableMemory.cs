using System.Runtime.InteropServices;

namespace Umbra.Inference.Tensors.Native;

/// <summary>
/// Maps fixed machine code into memory the CPU may execute, for the few loops .NET 10 has no intrinsic for (see
/// <see cref="WideVnni"/>). The page is written while it is writable only, then made read-only and executable: it is
/// never writable and executable at once. Linux on x64 only; elsewhere, or where the system refuses executable
/// mappings (a policy such as SELinux's deny_execmem), <see cref="TryMap"/> says why and the caller keeps its managed
/// code. A mapping lives as long as the process.
/// </summary>
internal static unsafe partial class ExecutableMemory
{
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int ProtExec = 4;
    private const int MapPrivate = 2;
    private const int MapAnonymous = 0x20;

    /// <summary>Maps <paramref name="code"/> read-only and executable; null and a reason when this system will not.</summary>
    public static byte* TryMap(ReadOnlySpan<byte> code, out string? failure)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            failure = "native code is mapped on Linux x64 only";
            return null;
        }
        var size = (nuint)((code.Length + 4095) & ~4095);
        var page = Mmap(null, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (page == (void*)-1)
        {
            failure = $"mmap failed (errno {Marshal.GetLastSystemError()})";
            return null;
        }
        code.CopyTo(new Span<byte>(page, code.Length));
        if (Mprotect(page, size, ProtRead | ProtExec) != 0)
        {
            failure = $"the system refused to make the code executable (mprotect errno {Marshal.GetLastSystemError()})";
            _ = Munmap(page, size);
            return null;
        }
        failure = null;
        return (byte*)page;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);
}
