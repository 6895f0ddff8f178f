namespace Umbra.Cli.Tests.Support;

/// <summary>Runs `umbra` to completion with a time limit.</summary>
internal static class ProcessRunner
{
    /// <summary>Generous for a tiny model on a busy two-core machine; only a hang should ever reach it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static Task<CliResult> RunAsync(TempDirectory home, params string[] args) => RunAsync(home, DefaultTimeout, args);

    public static async Task<CliResult> RunAsync(TempDirectory home, TimeSpan timeout, params string[] args)
    {
        using var process = UmbraProcess.Start(home, args);
        return await process.WaitForExitAsync(timeout);
    }
}
