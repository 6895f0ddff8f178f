using System.Runtime.InteropServices;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Identity;

/// <summary>What the provider runs on, as it reports itself at registration (attestation makes this checkable later).</summary>
public static class HardwareProbe
{
    public static HardwareInfo Describe() => new(CpuName(), Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    private static string CpuName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int i and > 0)
                        return line[(i + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // Unreadable: fall back to the architecture below.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
