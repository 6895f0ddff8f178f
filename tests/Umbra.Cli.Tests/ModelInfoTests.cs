using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>`umbra model info` describes any valid GGUF and rejects anything else with one clear line.</summary>
public sealed class ModelInfoTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Describes_a_runnable_model()
    {
        var result = (await ProcessRunner.RunAsync(_home, "model", "info", TestPaths.Stories260K)).AssertSuccess();
        Assert.Contains("architecture:  llama\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("shape:         dim 64, 5 blocks, 8 heads (4 KV, head dim 8), FFN 172\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("vocabulary:    512\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("context:       2048\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("weights:       F32", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("tokenizer:     llama, 512 tokens, BOS 1, EOS 2\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("chat template: (none", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("runnable:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describes_a_vocabulary_only_file_and_says_why_it_cannot_run()
    {
        var result = (await ProcessRunner.RunAsync(_home, "model", "info", TestPaths.Gpt2Vocab)).AssertSuccess();
        Assert.Contains("architecture:  gpt2\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 tensors", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("runnable:      no (Architecture 'gpt2' is not supported", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("tokenizer:     gpt2 (pre-tokenizer gpt-2), 50257 tokens", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_file_is_rejected_as_not_gguf()
    {
        string path = _home.File("notes.txt");
        await File.WriteAllTextAsync(path, "hello, not a model\n");
        var result = await ProcessRunner.RunAsync(_home, "model", "info", path);
        result.AssertCleanError("not a GGUF file");
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task A_truncated_model_is_rejected_naming_the_problem()
    {
        string path = _home.File("truncated.gguf");
        byte[] whole = await File.ReadAllBytesAsync(TestPaths.Stories260K);
        await File.WriteAllBytesAsync(path, whole[..(whole.Length / 2)]);
        (await ProcessRunner.RunAsync(_home, "model", "info", path)).AssertCleanError("the file may be truncated");
    }

    [Fact]
    public async Task A_missing_file_or_a_directory_is_rejected()
    {
        (await ProcessRunner.RunAsync(_home, "model", "info", _home.File("absent.gguf"))).AssertCleanError("not found");
        (await ProcessRunner.RunAsync(_home, "model", "info", _home.Path)).AssertCleanError("is a directory");
    }
}
