using System.Diagnostics;

namespace Umbra.Provider.Tests.Hardening;

/// <summary>A running <see cref="HardeningChild"/>: its report lines, and a way to look at it before it exits.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, List<string> lines)
    {
        _process = process;
        Lines = lines;
    }

    public List<string> Lines { get; }

    public int Pid => _process.Id;

    public static string TestAssembly => typeof(ChildProcess).Assembly.Location;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> in child mode and reads its report up to "ready".</summary>
    public static async Task<ChildProcess> StartAsync(string mode, IReadOnlyDictionary<string, string?> environment, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment[HardeningChild.ModeVariable] = mode;
        foreach (var (name, value) in environment)
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is string line)
        {
            if (line == "ready")
                return new ChildProcess(process, lines);
            lines.Add(line);
        }
        string error = await process.StandardError.ReadToEndAsync(timeout.Token);
        throw new InvalidOperationException($"child exited before reporting: {string.Join('\n', lines)}\n{error}");
    }

    public static Task<ChildProcess> StartDotnetAsync(string mode, IReadOnlyDictionary<string, string?> environment) =>
        StartAsync(mode, environment, "dotnet", TestAssembly);

    public string Value(string prefix) =>
        Lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
        ?? throw new Xunit.Sdk.XunitException($"no '{prefix}' line in:\n{string.Join('\n', Lines)}");

    public string? Environment(string name) =>
        Lines.FirstOrDefault(l => l.StartsWith($"env:{name}=", StringComparison.Ordinal))?[$"env:{name}=".Length..];

    /// <summary>Lets the child exit and returns its standard error.</summary>
    public async Task<string> FinishAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string error = await _process.StandardError.ReadToEndAsync(timeout.Token);
        await _process.WaitForExitAsync(timeout.Token);
        return error;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
