using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>`umbra run` on the real stories260K model: the reference text, seeded sampling, stop sequences.</summary>
public sealed class RunCommandTests : IDisposable
{
    private const string Prompt = "Once upon a time";
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    private Task<CliResult> Run(params string[] options) =>
        ProcessRunner.RunAsync(_home, ["run", "--model", TestPaths.Stories260K, "--prompt", Prompt, "--max-tokens", "40", .. options]);

    [Fact]
    public async Task Greedy_run_prints_the_prompt_and_the_reference_continuation()
    {
        var result = (await Run("--temperature", "0")).AssertSuccess();
        Assert.StartsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park.", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_text_and_another_seed_other_text()
    {
        var first = (await Run("--temperature", "1", "--seed", "7")).AssertSuccess();
        var again = (await Run("--temperature", "1", "--seed", "7")).AssertSuccess();
        var other = (await Run("--temperature", "1", "--seed", "8")).AssertSuccess();
        Assert.Equal(first.Stdout, again.Stdout);
        Assert.NotEqual(first.Stdout, other.Stdout);
        Assert.StartsWith(Prompt, first.Stdout, StringComparison.Ordinal);
        Assert.True(first.Stdout.Length > Prompt.Length + 40, first.ToString());
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_before_it()
    {
        var result = (await Run("--temperature", "0", "--stop", "Lily")).AssertSuccess();
        Assert.Equal("Once upon a time, there was a little girl named \n", result.Stdout);
    }
}
