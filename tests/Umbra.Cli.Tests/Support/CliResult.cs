namespace Umbra.Cli.Tests.Support;

/// <summary>What one `umbra` run did: its exit code and everything it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public CliResult AssertSuccess()
    {
        Assert.True(ExitCode == 0, $"Expected exit code 0. {this}");
        return this;
    }

    /// <summary>
    /// A failure a user can act on: exit code 1 and exactly one line on stderr, "error: ..." naming the problem,
    /// with no stack trace.
    /// </summary>
    public CliResult AssertCleanError(string expected)
    {
        Assert.True(ExitCode == 1, $"Expected exit code 1. {this}");
        string error = Stderr.TrimEnd('\r', '\n');
        Assert.True(error.StartsWith("error: ", StringComparison.Ordinal), $"Expected stderr to start with 'error: '. {this}");
        Assert.True(!error.Contains('\n', StringComparison.Ordinal), $"Expected a one-line error. {this}");
        Assert.Contains(expected, error, StringComparison.Ordinal);
        // .NET's "(Parameter 'name')" suffix names a variable in the code, which means nothing to someone typing options.
        Assert.True(!error.Contains("(Parameter '", StringComparison.Ordinal), $"Expected no code parameter names. {this}");
        return this;
    }

    public override string ToString() =>
        $"umbra exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
