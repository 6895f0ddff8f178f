using System.Collections;
using System.Text;

namespace Umbra.Provider.Hardening;

/// <summary>
/// The environment this process image started with. On Linux that is /proc/self/environ, which is what the
/// dynamic loader and the .NET runtime read at start (later Environment.SetEnvironmentVariable calls do not
/// show there and do not change what already happened); elsewhere the managed view.
/// </summary>
internal static class EnvironmentSnapshot
{
    public static Dictionary<string, string> Initial()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return Parse(File.ReadAllBytes("/proc/self/environ"));
            }
            catch (IOException)
            {
                // Fall back to the managed view below.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }
        return Current();
    }

    /// <summary>The managed view: what a child started with <c>Process.Start</c> would inherit.</summary>
    public static Dictionary<string, string> Current()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        return result;
    }

    /// <summary>Parses NUL-separated NAME=value entries (the /proc environ format); entries without '=' are skipped.</summary>
    public static Dictionary<string, string> Parse(ReadOnlySpan<byte> block)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!block.IsEmpty)
        {
            int end = block.IndexOf((byte)0);
            var entry = end < 0 ? block : block[..end];
            block = end < 0 ? [] : block[(end + 1)..];
            int equals = entry.IndexOf((byte)'=');
            if (equals <= 0)
                continue;
            result[Encoding.UTF8.GetString(entry[..equals])] = Encoding.UTF8.GetString(entry[(equals + 1)..]);
        }
        return result;
    }
}
