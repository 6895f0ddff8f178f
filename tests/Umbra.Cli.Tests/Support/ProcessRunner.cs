namespace Umbra.Cli.Tests.Support;

/// <summary>Runs `umbra` to completion with a time limit.</summary>
internal static class ProcessRunner
{
    /// <summary>Generous for a tiny model on a busy two-core machine; only a hang should ever reach it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<CliResult> RunAsync(TempDirectory home, params string[] args)
    {
        using var process = UmbraProcess.Start(home, args);
        return await process.WaitForExitAsync(Timeout);
    }
}
