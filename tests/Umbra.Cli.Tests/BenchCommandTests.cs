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
        string model = await TinyModel("q4_k");

        var result = (await ProcessRunner.RunAsync(_home, "bench", "--model", model, "--prompt-tokens", "16", "--gen-tokens", "4", "--concurrency", "1,2",
            "--kv-type", "f32", "--json")).AssertSuccess();
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
        // One round: each range is the figure itself.
        Assert.Equal(1, root.GetProperty("rounds").GetInt32());
        AssertRange(root, "prefill_tokens_per_s", exact: true);
        AssertRange(root, "decode_tokens_per_s", exact: true);
        AssertRange(root, "time_to_first_token_ms", exact: true);
        Assert.True(root.GetProperty("time_to_first_token_ms").GetDouble() > 0, json);
        Assert.Equal("f32", root.GetProperty("kv_cache_type").GetString());
        Assert.Matches(KernelsPattern, root.GetProperty("kernels").GetString());
        Assert.True(root.GetProperty("kv_cache_tokens").GetInt32() >= 2 * (16 + 4), json);
        // The tiny shape: 2 layers, 2 key-value heads of 16; keys and values, 4 bytes each.
        Assert.Equal(root.GetProperty("kv_cache_tokens").GetInt64() * 2 * 2 * 32 * 4, root.GetProperty("kv_cache_bytes").GetInt64());
        // Where a decode step's time goes, for each stream count with a step in which every stream decoded (one
        // stream always; the two of a tiny model may finish one before the other starts): the phases add up.
        var steps = root.GetProperty("decode_step_ms");
        Assert.Contains("1", steps.EnumerateObject().Select(p => p.Name));
        Assert.All(steps.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "1", "2" }));
        foreach (var level in steps.EnumerateObject())
        {
            var phases = level.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Assert.Contains("attention", phases.Keys);
            Assert.Contains("gate_up", phases.Keys);
            Assert.All(phases.Values, ms => Assert.True(ms >= 0, json));
            Assert.True(phases["total"] > 0, json);
            Assert.Equal(phases["total"], phases.Where(p => p.Key != "total").Sum(p => p.Value), 0.02);
        }
    }

    [Fact]
    public async Task Rounds_give_medians_within_their_ranges()
    {
        string model = await TinyModel("q4_0");

        var result = (await ProcessRunner.RunAsync(_home, "bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--concurrency", "1,2",
            "--rounds", "3", "--json")).AssertSuccess();
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("rounds").GetInt32());
        AssertRange(root, "prefill_tokens_per_s", exact: false);
        AssertRange(root, "decode_tokens_per_s", exact: false);
        AssertRange(root, "time_to_first_token_ms", exact: false);
        var ranges = root.GetProperty("concurrent_decode_tokens_per_s_range");
        Assert.Equal(["1", "2"], ranges.EnumerateObject().Select(p => p.Name));
        foreach (var level in root.GetProperty("concurrent_decode_tokens_per_s").EnumerateObject())
        {
            var range = ranges.GetProperty(level.Name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.True(range.Length == 2 && range[0] <= level.Value.GetDouble() && level.Value.GetDouble() <= range[1], result.Stdout);
        }

        var table = (await ProcessRunner.RunAsync(_home, "bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--concurrency", "1,2",
            "--rounds", "2")).AssertSuccess();
        Assert.Matches(@"prefill +[0-9.]+ tokens/s \(8 tokens, [0-9.]+ to [0-9.]+ over 2 rounds\)", table.Stdout);
        Assert.Matches(@"time to 1st token +[0-9.]+ ms \([0-9.]+ to [0-9.]+ over 2 rounds\)", table.Stdout);
        Assert.Contains("aggregate range", table.Stdout, StringComparison.Ordinal);
    }

    /// <summary>A tiny synthetic model of <paramref name="type"/> weights, written to the test's home.</summary>
    private async Task<string> TinyModel(string type)
    {
        string model = _home.File("bench.gguf");
        (await ProcessRunner.RunAsync(_home, "model", "synth", "--shape", "tiny", "--type", type, "-o", model)).AssertSuccess();
        return model;
    }

    /// <summary><paramref name="name"/>_range is [least, greatest] around the figure (equal to it, for one round).</summary>
    private static void AssertRange(JsonElement root, string name, bool exact)
    {
        var value = root.GetProperty(name).GetDouble();
        var range = root.GetProperty(name + "_range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(2, range.Length);
        if (exact)
            Assert.Equal([value, value], range);
        else
            Assert.True(range[0] <= value && value <= range[1], $"{name} {value} outside [{range[0]}, {range[1]}]");
    }

    /// <summary>
    /// The kernels line: the instruction-set path, the float products, the integer dots, the attention kernel. Every
    /// form <c>KernelReport</c> prints, the wide path's included (the best one on AVX-512 CPUs without AVX-VNNI, Zen 4).
    /// </summary>
    private const string KernelsPattern =
        @"(scalar|portable|avx2|avxvnni|avx512|avx512wide) path: float products (scalar|128-bit|256-bit|512-bit), integer dots (scalar|128-bit|256-bit vpmaddubsw|256-bit vpdpbusd|512-bit vpmaddubsw for Q4_0 and Q8_0, else 256-bit( vpdpbusd)?), attention (grouped 256-bit|grouped 512-bit|head by head)";

    [Fact]
    public async Task Table_shows_the_step_breakdown_by_stream_count()
    {
        string model = await TinyModel("q8_0");

        var result = (await ProcessRunner.RunAsync(_home, "bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--concurrency", "1,2")).AssertSuccess();
        Assert.Contains("decode step, ms", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"kv cache +[0-9.]+ MiB \(f16, [0-9]+ tokens\)", result.Stdout);
        Assert.Matches("kernels +" + KernelsPattern, result.Stdout);
        Assert.Contains("1 stream", result.Stdout, StringComparison.Ordinal);
        foreach (var phase in new[] { "qkv", "rope_kv_write", "attention", "attention_output", "gate_up", "swiglu", "down", "logits", "total" })
            Assert.Contains(phase, result.Stdout, StringComparison.Ordinal);
        // One round: no medians, so no ranges.
        Assert.DoesNotContain("rounds", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("aggregate range", result.Stdout, StringComparison.Ordinal);
    }
}
