namespace Umbra.Provider.Hardening;

/// <summary>
/// The .NET diagnostic server's Unix socket, $TMPDIR/dotnet-diagnostic-&lt;pid&gt;-&lt;start time&gt;-socket. Its
/// name cannot tell two images of one process apart (execve keeps both the pid and the start time), so the
/// scrubbed image removes the one its predecessor left behind. It can tell this process from an earlier one that
/// had the same pid and was killed before it could remove its socket: on Linux the start time is read and matched.
/// </summary>
internal static class DiagnosticSocket
{
    /// <summary>This process's sockets (on Linux, those with its start time; elsewhere, any with its pid).</summary>
    public static IEnumerable<string> Find(int processId)
    {
        var start = OperatingSystem.IsLinux() ? StartTime(PostureProbe.TryReadText($"/proc/{processId}/stat")) : null;
        try
        {
            return Directory.EnumerateFileSystemEntries(Path.GetTempPath(), $"dotnet-diagnostic-{processId}-{start ?? "*"}-socket").ToList();
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Deletes this pid's sockets; call only in an image whose diagnostics are off, so none of them is its own.</summary>
    public static void DeleteStale(int processId)
    {
        foreach (var path in Find(processId))
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: the posture then reports diagnostics as enabled, which errs on the safe side.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }
    }

    /// <summary>
    /// The process's start time as the runtime writes it into the socket's name: field 22 of /proc/&lt;pid&gt;/stat,
    /// clock ticks since boot. Null when <paramref name="stat"/> is null or not in that form.
    /// </summary>
    internal static string? StartTime(string? stat)
    {
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        var close = stat?.LastIndexOf(')') ?? -1;
        if (close < 0)
            return null;
        var fields = stat![(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeField = 22 - 3; // fields[0] is field 3, the state
        return fields.Length > StartTimeField && ulong.TryParse(fields[StartTimeField], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? fields[StartTimeField]
            : null;
    }
}
