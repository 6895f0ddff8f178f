using System.Globalization;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>
/// Best-effort readings of the machine for heartbeats: memory pressure from /proc/meminfo, the one-minute load
/// average per core from /proc/loadavg, and a thermal state from the hottest /sys/class/thermal zone. Anything
/// unreadable (another OS, a container hiding /sys) is reported as unknown rather than guessed.
/// </summary>
public static class MachineLoadProbe
{
    public static MachineLoad Read() => Read("/proc", "/sys/class/thermal", Environment.ProcessorCount);

    /// <summary>The same readings under other roots, for tests.</summary>
    public static MachineLoad Read(string procRoot, string thermalRoot, int cores)
    {
        if (!OperatingSystem.IsLinux() && procRoot == "/proc")
            return new MachineLoad();
        return new MachineLoad
        {
            MemoryPressure = TryRead(() => MemoryPressure(File.ReadAllLines(Path.Combine(procRoot, "meminfo")))),
            CpuLoad = TryRead(() => CpuLoad(File.ReadAllText(Path.Combine(procRoot, "loadavg")), cores)),
            Thermal = TryRead(() => Thermal(thermalRoot)) ?? ThermalStates.Unknown,
        };
    }

    /// <summary>1 − MemAvailable / MemTotal, or null when either is missing.</summary>
    public static double? MemoryPressure(IEnumerable<string> meminfo)
    {
        long? total = null, available = null;
        foreach (var line in meminfo)
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                total = Kilobytes(line);
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                available = Kilobytes(line);
        }
        return total is > 0 && available is >= 0 ? Math.Clamp(1 - (double)available.Value / total.Value, 0, 1) : null;
    }

    /// <summary>The first field of /proc/loadavg divided by the cores.</summary>
    public static double? CpuLoad(string loadavg, int cores)
    {
        var first = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return first != null && double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load >= 0
            ? load / Math.Max(1, cores)
            : null;
    }

    /// <summary>The state for a temperature in °C: under 70 nominal, under 85 fair, under 95 serious, else critical.</summary>
    public static string ThermalFor(double celsius) => celsius switch
    {
        < 70 => ThermalStates.Nominal,
        < 85 => ThermalStates.Fair,
        < 95 => ThermalStates.Serious,
        _ => ThermalStates.Critical,
    };

    private static string? Thermal(string root)
    {
        if (!Directory.Exists(root))
            return null;
        double? hottest = null;
        foreach (var zone in Directory.EnumerateDirectories(root, "thermal_zone*"))
        {
            var file = Path.Combine(zone, "temp");
            if (File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var milli))
                hottest = Math.Max(hottest ?? double.MinValue, milli / 1000.0);
        }
        return hottest is { } c ? ThermalFor(c) : null;
    }

    private static long? Kilobytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : null;
    }

    private static T? TryRead<T>(Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }
}
