using System.Diagnostics;
using Umbra.Provider.Hardening;

namespace Umbra.Provider.Tests.Hardening;

/// <summary>
/// Apply() changes the whole process, so it runs in a child (the test assembly itself, see HardeningChild)
/// and the test looks at the child from outside through /proc where it can.
/// </summary>
public class ApplyTests
{
    [Fact]
    public async Task Apply_makes_the_process_non_dumpable_with_no_core_dumps()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var child = await ChildProcess.StartDotnetAsync("apply", new Dictionary<string, string?>());
        // From outside: the kernel's view of the child's core limit (soft and hard).
        string limits = await File.ReadAllTextAsync($"/proc/{child.Pid}/limits");
        await child.FinishAsync();

        string core = limits.Split('\n').Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal));
        Assert.Equal(["0", "0", "bytes"], core["Max core file size".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("core_dumps: ok", child.Value("report="), StringComparison.Ordinal);
        Assert.Equal("no", child.Value("posture:dumpable="));   // PR_GET_DUMPABLE read back in the child
        Assert.Equal("disabled", child.Value("posture:core_dumps="));
        Assert.Equal("refused", child.Value("posture:ptrace="));
    }

    [Fact]
    public async Task Without_apply_a_child_is_dumpable_and_may_dump_core()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var child = await ChildProcess.StartDotnetAsync("probe", new Dictionary<string, string?>());
        await child.FinishAsync();
        Assert.Equal("yes", child.Value("posture:dumpable="));
    }

    /// <summary>
    /// The point of PR_SET_DUMPABLE 0: another process of the same (non-root) user cannot read the provider's
    /// memory or environment. Root (CAP_SYS_PTRACE) always can, so both processes run as nobody via setpriv;
    /// skipped (passes vacuously) where that is not possible.
    /// </summary>
    [Fact]
    public async Task A_same_user_process_cannot_read_a_hardened_process_but_can_read_an_unhardened_one()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
            return;
        string[] asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "dotnet", ChildProcess.TestAssembly];
        var home = new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath(), ["DOTNET_CLI_HOME"] = Path.GetTempPath() };

        using (var hardened = await ChildProcess.StartAsync("apply", home, "/usr/bin/setpriv", asNobody))
        {
            var (code, error) = await ReadAsNobodyAsync($"/proc/{hardened.Pid}/environ");
            await hardened.FinishAsync();
            Assert.NotEqual(0, code);
            Assert.Contains("Permission denied", error, StringComparison.Ordinal);
        }
        using (var plain = await ChildProcess.StartAsync("probe", home, "/usr/bin/setpriv", asNobody))
        {
            var (code, error) = await ReadAsNobodyAsync($"/proc/{plain.Pid}/environ");
            await plain.FinishAsync();
            Assert.True(code == 0, error);
        }
    }

    private static async Task<(int Code, string Error)> ReadAsNobodyAsync(string path)
    {
        var info = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/cat", path })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        string error = await process.StandardError.ReadToEndAsync(timeout.Token);
        await output;
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, error);
    }

    [Fact]
    public async Task A_tracer_is_seen_as_attached()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/strace"))
            return;
        using var child = await ChildProcess.StartAsync("probe", new Dictionary<string, string?>(), "/usr/bin/strace", "-f", "-qq", "-e", "trace=none", "-o", "/dev/null", "dotnet", ChildProcess.TestAssembly);
        await child.FinishAsync();
        Assert.Equal("attached", child.Value("posture:tracer="));
    }
}
