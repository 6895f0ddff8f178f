using System.Text.Json;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>`umbra bench --json` prints one machine-readable object.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Json_output_is_one_object_with_positive_speeds()
    {
        string model = _home.File("bench.gguf");
        (await ProcessRunner.RunAsync(_home, "model", "synth", "--shape", "tiny", "--type", "q4_k", "-o", model)).AssertSuccess();

        var result = (await ProcessRunner.RunAsync(_home, "bench", "--model", model, "--prompt-tokens", "16", "--gen-tokens", "4", "--concurrency", "1,2", "--json")).AssertSuccess();
        string json = result.Stdout.TrimEnd('\n');
        Assert.DoesNotContain("\n", json, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.True(root.GetProperty("prefill_tokens_per_s").GetDouble() > 0, json);
        Assert.True(root.GetProperty("decode_tokens_per_s").GetDouble() > 0, json);
        Assert.Equal(16, root.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, root.GetProperty("gen_tokens").GetInt32());
        Assert.Equal("llama", root.GetProperty("architecture").GetString());
        var concurrent = root.GetProperty("concurrent_decode_tokens_per_s");
        Assert.Equal(["1", "2"], concurrent.EnumerateObject().Select(p => p.Name));
        Assert.All(concurrent.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, json));
        Assert.True(root.GetProperty("time_to_first_token_ms").GetDouble() > 0, json);
    }
}
