using System.Runtime.CompilerServices;
using System.Text;
using Umbra.Provider.Hardening;

namespace Umbra.Provider.Tests.Hardening;

/// <summary>
/// Lets the test assembly itself be the hardened child process: `dotnet Umbra.Provider.Tests.dll` with
/// UMBRA_HARDENING_TEST_CHILD set runs one of the modes below from this module initializer (which runs
/// before the test SDK's generated, empty Main) and exits. In the test host the variable is unset and
/// this does nothing. Real processes, no second project to build.
/// </summary>
internal static class HardeningChild
{
    public const string ModeVariable = "UMBRA_HARDENING_TEST_CHILD";

#pragma warning disable CA2255 // A module initializer is the point here: the child must act before anything else runs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Run()
    {
        string? mode = Environment.GetEnvironmentVariable(ModeVariable);
        if (string.IsNullOrEmpty(mode))
            return;
        var output = new StringBuilder();
        switch (mode)
        {
            case "reexec":
                // What Main would do first; returns only in the scrubbed image (or when re-execution failed).
                var outcome = ProcessHardening.ReexecIfNeeded(Environment.GetCommandLineArgs()[1..]);
                output.AppendLine($"outcome={outcome.Status}");
                output.AppendLine($"detail={outcome}");
                output.AppendLine($"pid={Environment.ProcessId}");
                output.AppendLine($"argv={string.Join('|', ProcessHardening.SplitNul(File.ReadAllBytes("/proc/self/cmdline")))}");
                foreach (var (name, value) in ReadEnviron())
                    output.AppendLine($"env:{name}={value}");
                break;
            case "apply":
                var report = ProcessHardening.Apply();
                output.AppendLine($"report={report}");
                break;
            case "probe":
                break;
            case "cost":
                var clock = System.Diagnostics.Stopwatch.StartNew();
                ProcessHardening.Apply();
                var apply = clock.Elapsed;
                clock.Restart();
                var measurement = RuntimeMeasurement.Measure();
                var measure = clock.Elapsed;
                long bytes = measurement.Assemblies.Count;
                output.AppendLine($"cost=Apply {apply.TotalMilliseconds:F1} ms, Measure {measure.TotalMilliseconds:F1} ms ({bytes} assemblies, executable {measurement.ExecutablePath})");
                break;
            default:
                output.AppendLine($"unknown mode {mode}");
                break;
        }
        foreach (var item in PostureProbe.Read())
            output.AppendLine($"posture:{item.Name}={item.Value}");
        output.AppendLine("ready");
        Console.Out.Write(output.ToString());
        Console.Out.Flush();
        // Stay alive until the parent has looked at us from outside (it closes stdin).
        Console.In.ReadToEnd();
        Environment.Exit(0);
    }

    private static IEnumerable<(string Name, string Value)> ReadEnviron()
    {
        foreach (var entry in ProcessHardening.SplitNul(File.ReadAllBytes("/proc/self/environ")))
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
                yield return (entry[..equals], entry[(equals + 1)..]);
        }
    }
}
