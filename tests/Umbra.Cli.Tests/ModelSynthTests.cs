using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>`umbra model synth` writes a model that `model info` describes and `run` runs.</summary>
public sealed class ModelSynthTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    // The tiny shape's rows (64 and 128 wide) do not fill a 256-wide Q4_K block, so its matrices fall back to Q8_0;
    // Q4_0's 32-wide blocks fit.
    [Theory]
    [InlineData("q4_k", null, "llama", "Q8_0")]
    [InlineData("q4_k", "qwen2", "qwen2", "Q8_0")]
    [InlineData("q4_0", "mistral", "mistral", "Q4_0")]
    public async Task Writes_a_model_that_info_describes_and_run_runs(string type, string? arch, string expectedArch, string expectedWeights)
    {
        string path = _home.File("synth.gguf");
        string[] args = ["model", "synth", "--shape", "tiny", "--type", type, "-o", path];
        if (arch != null) args = [.. args, "--arch", arch];
        var synth = (await ProcessRunner.RunAsync(_home, args)).AssertSuccess();
        Assert.True(File.Exists(path), synth.ToString());
        Assert.Contains(expectedWeights, synth.Stderr, StringComparison.Ordinal);

        var info = (await ProcessRunner.RunAsync(_home, "model", "info", path)).AssertSuccess();
        Assert.Contains($"architecture:  {expectedArch}\n", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("shape:         dim 64, 2 blocks", info.Stdout, StringComparison.Ordinal);
        Assert.Contains($"weights:       {expectedWeights}", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("chat template: ", info.Stdout, StringComparison.Ordinal);

        var run = (await ProcessRunner.RunAsync(_home, "run", "--model", path, "--prompt", "Hello", "--max-tokens", "8", "--seed", "1")).AssertSuccess();
        Assert.StartsWith("Hello", run.Stdout, StringComparison.Ordinal);
        Assert.True(run.Stdout.Length > "Hello\n".Length, run.ToString());
    }

    [Fact]
    public async Task The_same_seed_writes_the_same_bytes()
    {
        string a = _home.File("a.gguf"), b = _home.File("b.gguf");
        (await ProcessRunner.RunAsync(_home, "model", "synth", "--seed", "5", "-o", a)).AssertSuccess();
        (await ProcessRunner.RunAsync(_home, "model", "synth", "--seed", "5", "-o", b)).AssertSuccess();
        Assert.Equal(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(b));
    }
}
