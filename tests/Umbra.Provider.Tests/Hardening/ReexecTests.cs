using System.Text;
using Umbra.Provider.Hardening;

namespace Umbra.Provider.Tests.Hardening;

public class ReexecTests
{
    private const string Preload = "/nonexistent/umbra-test-preload.so";

    [Fact]
    public async Task Dangerous_variables_are_gone_and_diagnostics_off_in_the_reexecuted_image()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var environment = new Dictionary<string, string?>
        {
            ["LD_PRELOAD"] = Preload,
            ["DOTNET_STARTUP_HOOKS"] = ChildProcess.TestAssembly,
            ["CORECLR_ENABLE_PROFILING"] = "0",
            ["DOTNET_EnableDiagnostics"] = null,
            ["UMBRA_KEEP_ME"] = "kept",
        };
        using var child = await ChildProcess.StartAsync("reexec", environment, "dotnet", ChildProcess.TestAssembly, "--flag", "value with spaces", "");
        string stderr = await child.FinishAsync();

        Assert.Equal(nameof(ReexecStatus.AlreadyReexecuted), child.Value("outcome="));
        Assert.Null(child.Environment("LD_PRELOAD"));
        Assert.Null(child.Environment("DOTNET_STARTUP_HOOKS"));
        Assert.Null(child.Environment("CORECLR_ENABLE_PROFILING"));
        Assert.Equal("0", child.Environment("DOTNET_EnableDiagnostics"));
        Assert.Equal(child.Value("pid="), child.Environment(DangerousEnvironment.MarkerVariable)); // execve kept the pid
        Assert.Equal("kept", child.Environment("UMBRA_KEEP_ME"));
        Assert.Equal($"dotnet|{ChildProcess.TestAssembly}|--flag|value with spaces|", child.Value("argv="));
        Assert.Equal("scrubbed", child.Value("posture:environment="));
        Assert.Equal("disabled", child.Value("posture:diagnostics="));
        Assert.Equal("disabled", child.Value("posture:startup_hooks="));
        // The loader complained about the missing preload once (first image) and not again: no loop, no preload after.
        Assert.Equal(1, Occurrences(stderr, Preload));
    }

    [Fact]
    public async Task Host_options_before_the_dll_survive_reexecution()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string runtimeConfig = Path.ChangeExtension(ChildProcess.TestAssembly, ".runtimeconfig.json");
        using var child = await ChildProcess.StartAsync("reexec", new Dictionary<string, string?> { ["DOTNET_EnableDiagnostics"] = null },
            "dotnet", "exec", "--runtimeconfig", runtimeConfig, ChildProcess.TestAssembly, "a");
        await child.FinishAsync();

        Assert.Equal(nameof(ReexecStatus.AlreadyReexecuted), child.Value("outcome="));
        Assert.Equal($"dotnet|exec|--runtimeconfig|{runtimeConfig}|{ChildProcess.TestAssembly}|a", child.Value("argv="));
        Assert.Equal("0", child.Environment("DOTNET_EnableDiagnostics"));
        Assert.Equal("scrubbed", child.Value("posture:environment="));
    }

    [Fact]
    public async Task A_clean_environment_with_diagnostics_off_is_not_reexecuted()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var child = await ChildProcess.StartDotnetAsync("reexec", new Dictionary<string, string?> { ["DOTNET_EnableDiagnostics"] = "0" });
        await child.FinishAsync();

        Assert.True(child.Value("outcome=") == nameof(ReexecStatus.NotNeeded), child.Value("detail="));
        Assert.Null(child.Environment(DangerousEnvironment.MarkerVariable));
        Assert.Equal("clean", child.Value("posture:environment="));
        Assert.Equal("disabled", child.Value("posture:diagnostics="));
    }

    [Fact]
    public async Task A_marker_from_a_parent_process_does_not_stop_reexecution()
    {
        if (!OperatingSystem.IsLinux())
            return;
        // A provider started by an already-hardened process inherits the marker with the parent's pid.
        using var child = await ChildProcess.StartDotnetAsync("reexec", new Dictionary<string, string?>
        {
            [DangerousEnvironment.MarkerVariable] = "1",
            ["LD_PRELOAD"] = Preload,
        });
        await child.FinishAsync();

        Assert.Equal(nameof(ReexecStatus.AlreadyReexecuted), child.Value("outcome="));
        Assert.Null(child.Environment("LD_PRELOAD"));
        Assert.Equal(child.Value("pid="), child.Environment(DangerousEnvironment.MarkerVariable));
    }

    [Fact]
    public void Argv_is_rebuilt_for_the_apphost_and_for_dotnet()
    {
        string[] args = ["provider", "--coordinator", "ws://x"];
        Assert.Equal<string>(["/opt/umbra/umbra", .. args], ProcessHardening.BuildArgv(args, "/opt/umbra/umbra", null, "/opt/umbra/umbra.dll")!);
        Assert.Equal<string>(["/usr/bin/dotnet", "/opt/umbra/umbra.dll", .. args], ProcessHardening.BuildArgv(args, "/usr/bin/dotnet", null, "/opt/umbra/umbra.dll")!);
        Assert.Null(ProcessHardening.BuildArgv(args, "/usr/bin/dotnet", null, ""));

        byte[] proc = Encoding.UTF8.GetBytes("dotnet\0exec\0--roll-forward\0Major\0umbra.dll\0provider\0--coordinator\0ws://x\0");
        Assert.Equal<string>(["dotnet", "exec", "--roll-forward", "Major", "umbra.dll", .. args], ProcessHardening.BuildArgv(args, "/usr/bin/dotnet", proc, "/opt/umbra/umbra.dll")!);
        // /proc/self/cmdline that does not end with Main's arguments is not trusted.
        byte[] other = Encoding.UTF8.GetBytes("dotnet\0umbra.dll\0something-else\0");
        Assert.Equal<string>(["/usr/bin/dotnet", "/opt/umbra/umbra.dll", .. args], ProcessHardening.BuildArgv(args, "/usr/bin/dotnet", other, "/opt/umbra/umbra.dll")!);
    }

    [Fact]
    public void Dangerous_names_are_recognised_and_ordinary_ones_are_not()
    {
        string[] dangerous =
        [
            "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "CORECLR_PROFILER_PATH", "CORECLR_ENABLE_PROFILING",
            "COR_PROFILER", "MONO_ENV_OPTIONS", "DOTNET_STARTUP_HOOKS", "DOTNET_PROFILER_PATH", "DOTNET_ENABLE_PROFILING",
            "DOTNET_DiagnosticPorts", "DOTNET_DbgEnableMiniDump",
            "DOTNET_ADDITIONAL_DEPS", "DOTNET_EnableEventPipe", "OPENSSL_CONF", "GCONV_PATH", "dotnet_startup_hooks",
        ];
        string[] ordinary = ["DOTNET_EnableDiagnostics", "DOTNET_EnableDiagnostics_IPC", "PATH", "HOME", "DOTNET_ROOT", "DOTNET_gcServer", "DOTNET_TieredPGO", "UMBRA_PROVIDER_TOKEN", "TMPDIR", "LANG"];
        Assert.All(dangerous, name => Assert.True(DangerousEnvironment.IsDangerous(name), name));
        Assert.All(ordinary, name => Assert.False(DangerousEnvironment.IsDangerous(name), name));
    }

    [Fact]
    public void Scrub_removes_dangerous_variables_sets_diagnostics_off_and_the_marker()
    {
        var scrubbed = DangerousEnvironment.Scrub(new Dictionary<string, string>
        {
            ["PATH"] = "/bin",
            ["LD_PRELOAD"] = "x.so",
            ["DOTNET_EnableDiagnostics"] = "1",
            ["DOTNET_EnableDiagnostics_IPC"] = "1",
            ["COMPlus_EnableDiagnostics"] = "1",
        }, 42);
        Assert.Equal(["DOTNET_EnableDiagnostics", "PATH", DangerousEnvironment.MarkerVariable], scrubbed.Keys);
        Assert.Equal("0", scrubbed["DOTNET_EnableDiagnostics"]);
        Assert.Equal("42", scrubbed[DangerousEnvironment.MarkerVariable]);
    }

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
