using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>`--help` on every command succeeds and lists that command's options (the README documents the same names).</summary>
public sealed class HelpTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("run", "--model --prompt --chat --system --max-tokens --stop --ctx-size --temperature --top-p --top-k --min-p --repetition-penalty --frequency-penalty --presence-penalty --seed")]
    [InlineData("serve", "--model --host --port --model-id --ctx-size --verbose --no-warm-up")]
    [InlineData("provider", "--coordinator --model --model-id --ctx-size --data-dir --forward-to --forward-model --token --keys --kv-tokens --kv-type --max-sequences --unload-after-minutes --no-warm-up")]
    [InlineData("up", "--port --model --model-id --ctx-size --kv-tokens --kv-type --max-sequences --no-warm-up")]
    [InlineData("model synth", "--shape --type --out --seed --arch --layers --context-length")]
    [InlineData("model info", "<model>")]
    [InlineData("bench", "--model --prompt-tokens --gen-tokens --concurrency --kv-type --rounds --json")]
    [InlineData("model", "synth info")]
    [InlineData("", "run serve model bench")]
    public async Task Help_lists_the_options(string command, string expected)
    {
        string[] args = [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];
        var result = (await ProcessRunner.RunAsync(_home, args)).AssertSuccess();
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        foreach (var name in expected.Split(' '))
            Assert.Contains(name, result.Stdout, StringComparison.Ordinal);
    }
}
