using System.Reflection;
using System.Runtime.InteropServices;

namespace Umbra.Cli.Tests.Support;

/// <summary>
/// Finds the built `umbra` (umbra.dll, run through the dotnet host rather than the apphost, which would need
/// DOTNET_ROOT when the SDK is not installed system-wide) for the configuration these tests were built in.
/// </summary>
internal static class UmbraExecutable
{
    private static readonly Lazy<string> Dll = new(FindDll);

    public static string Path => Dll.Value;

    /// <summary>The dotnet host: the one `dotnet test` exports, else the one beside the runtime these tests run on.</summary>
    public static string DotnetHost { get; } = FindHost();

    private static string FindDll()
    {
        // The project reference builds the CLI in the same configuration as the tests (Debug locally, Release in CI),
        // and both share the repository-wide target framework, the name of this output folder.
        string configuration = typeof(UmbraExecutable).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        string[] candidates =
        [
            System.IO.Path.Combine(AppContext.BaseDirectory, "umbra.dll"),
            System.IO.Path.Combine(TestPaths.RepositoryRoot, "src", "Umbra.Cli", "bin", configuration, framework, "umbra.dll"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"The built umbra.dll was not found; looked at {string.Join(" and ", candidates)}. Build src/Umbra.Cli in {configuration} first.");
    }

    private static string FindHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } exported && File.Exists(exported))
            return exported;
        // The runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string root = System.IO.Path.GetFullPath(System.IO.Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string host = System.IO.Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
