using Umbra.Provider.Hardening;

namespace Umbra.Provider.Tests.Hardening;

/// <summary>
/// The diagnostics posture looks for this process's diagnostic socket. A process killed before it could remove its
/// own leaves the socket behind, and a later process may get the same pid: on Linux only a socket with this
/// process's start time counts, so a stale one no longer reads as "diagnostics enabled".
/// </summary>
public class DiagnosticSocketTests
{
    [Theory]
    [InlineData("9736 (dotnet) S 1 9736 9736 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 4 0 8682665 3000 100", "8682665")]
    [InlineData("12 (a) b (c)) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 42 99", "42")]
    [InlineData("12 (short) R 1 2 3", null)]
    [InlineData("12 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 99", null)]
    [InlineData("no parenthesis here", null)]
    [InlineData(null, null)]
    public void The_start_time_is_field_22_of_stat(string? stat, string? expected)
    {
        Assert.Equal(expected, DiagnosticSocket.StartTime(stat));
    }

    [Fact]
    public void A_socket_left_by_an_earlier_process_with_this_pid_is_not_this_process_s()
    {
        if (!OperatingSystem.IsLinux())
            return;
        int pid = Environment.ProcessId;
        string stale = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-1-socket");
        File.WriteAllBytes(stale, []);
        try
        {
            Assert.DoesNotContain(stale, DiagnosticSocket.Find(pid));
            // One with this process's start time is found: the test host's own socket when its diagnostics are on,
            // else one made here for the check.
            string start = DiagnosticSocket.StartTime(File.ReadAllText($"/proc/{pid}/stat"))!;
            string own = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-{start}-socket");
            bool made = !File.Exists(own);
            if (made)
                File.WriteAllBytes(own, []);
            try
            {
                Assert.Equal([own], DiagnosticSocket.Find(pid));
            }
            finally
            {
                if (made)
                    File.Delete(own);
            }
        }
        finally
        {
            File.Delete(stale);
        }
    }
}
