using System.Net;

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

    /// <summary>The --host value as an address, or an error a user can act on.</summary>
    public static IPAddress ParseHost(string? host) =>
        IPAddress.TryParse(host, out var address)
            ? address
            : throw new ArgumentException($"--host must be an IP address, such as 127.0.0.1; got '{host}'.");
}
