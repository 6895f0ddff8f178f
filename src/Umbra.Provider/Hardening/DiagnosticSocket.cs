namespace Umbra.Provider.Hardening;

/// <summary>
/// The .NET diagnostic server's Unix socket, $TMPDIR/dotnet-diagnostic-&lt;pid&gt;-&lt;start time&gt;-socket. Its
/// name cannot tell two images of one process apart (execve keeps both the pid and the start time), so the
/// scrubbed image removes the one its predecessor left behind.
/// </summary>
internal static class DiagnosticSocket
{
    public static IEnumerable<string> Find(int processId)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(Path.GetTempPath(), $"dotnet-diagnostic-{processId}-*-socket").ToList();
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
}
