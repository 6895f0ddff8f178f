using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Verify;

/// <summary>`umbra proxy`'s trust options are checked before anything listens.</summary>
public sealed class ProxyTrustOptionTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task An_unknown_trust_level_or_a_missing_root_file_is_a_clean_error()
    {
        (await ProcessRunner.RunAsync(_home, "proxy", "--port", "0", "--min-trust", "trusted"))
            .AssertCleanError("--min-trust must be one of none, self_signed, hardware, hardware_certified; got 'trusted'.");
        var missing = _home.File("root.pem");
        (await ProcessRunner.RunAsync(_home, "proxy", "--port", "0", "--min-trust", "hardware_certified", "--tpm-root", missing))
            .AssertCleanError($"--tpm-root: the file {missing} does not exist.");
        File.WriteAllText(_home.File("empty.pem"), "no certificate here\n");
        (await ProcessRunner.RunAsync(_home, "proxy", "--port", "0", "--apple-root", _home.File("empty.pem")))
            .AssertCleanError("holds no PEM certificate");
    }
}
