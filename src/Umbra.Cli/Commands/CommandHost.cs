namespace Umbra.Cli.Commands;

/// <summary>Shared plumbing of the long-running commands.</summary>
internal static class CommandHost
{
    /// <summary>Returns when the command is cancelled (Ctrl+C or SIGTERM).</summary>
    public static async Task WaitForShutdownAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the caller stops what it started.
        }
    }
}
