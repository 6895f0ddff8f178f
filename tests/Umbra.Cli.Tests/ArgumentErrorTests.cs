using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>Wrong arguments end with exit code 1 and one line that names the problem, never a stack trace.</summary>
public sealed class ArgumentErrorTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    private Task<CliResult> Umbra(params string[] args) => ProcessRunner.RunAsync(_home, args);

    private string Missing => _home.File("missing.gguf");

    [Fact]
    public async Task Unknown_shape() =>
        (await Umbra("model", "synth", "--shape", "gpt-5", "-o", _home.File("x.gguf"))).AssertCleanError("Unknown shape 'gpt-5'. Known shapes: ");

    [Fact]
    public async Task Unknown_weight_type() =>
        (await Umbra("model", "synth", "--type", "q3_k", "-o", _home.File("x.gguf"))).AssertCleanError("Unknown or unsupported weight type 'q3_k'");

    [Fact]
    public async Task Unknown_architecture() =>
        (await Umbra("model", "synth", "--arch", "gpt2", "-o", _home.File("x.gguf"))).AssertCleanError("Unknown architecture 'gpt2'");

    [Fact]
    public async Task Missing_model_file()
    {
        (await Umbra("run", "--model", Missing, "--prompt", "hi")).AssertCleanError($"Model file not found: {Missing}");
        (await Umbra("bench", "--model", Missing)).AssertCleanError($"Model file not found: {Missing}");
        (await Umbra("serve", "--model", Missing, "--port", "0")).AssertCleanError($"Model file not found: {Missing}");
    }

    [Fact]
    public async Task Unknown_kv_cache_type()
    {
        (await Umbra("bench", "--model", TestPaths.Stories260K, "--kv-type", "q8_0")).AssertCleanError("--kv-type takes f16 or f32; got 'q8_0'.");
        (await Umbra("provider", "--coordinator", "ws://127.0.0.1:9/v1/providers/connect", "--model", TestPaths.Stories260K, "--kv-type", "f64",
            "--data-dir", _home.File("p"))).AssertCleanError("--kv-type takes f16 or f32; got 'f64'.");
        (await Umbra("up", "--port", "0", "--model", TestPaths.Stories260K, "--kv-type", "bf16", "--data-dir", _home.File("u")))
            .AssertCleanError("--kv-type takes f16 or f32; got 'bf16'.");
    }

    [Fact]
    public async Task Engine_options_with_a_forwarding_provider_are_refused_by_name()
    {
        const string Hub = "ws://127.0.0.1:9/v1/providers/connect";
        string[] forwarding = ["provider", "--coordinator", Hub, "--forward-to", "http://127.0.0.1:9/v1", "--forward-model", "m", "--data-dir", _home.File("p")];
        (await Umbra([.. forwarding, "--kv-type", "f32"]))
            .AssertCleanError("--kv-type is for the built-in engine; with --forward-to the local server runs the model.");
        (await Umbra([.. forwarding, "--kv-tokens", "4096", "--max-sequences", "4", "--unload-after-minutes", "5"]))
            .AssertCleanError("--kv-tokens, --max-sequences, --unload-after-minutes are for the built-in engine;");
        (await Umbra([.. forwarding, "--no-warm-up"]))
            .AssertCleanError("--no-warm-up is for the built-in engine;");
    }

    [Fact]
    public async Task Host_that_is_not_an_ip_address() =>
        (await Umbra("serve", "--model", TestPaths.Stories260K, "--host", "not-an-ip", "--port", "0")).AssertCleanError("--host must be an IP address");

    [Fact]
    public async Task Port_out_of_range() =>
        (await Umbra("serve", "--model", TestPaths.Stories260K, "--port", "70000")).AssertCleanError("--port must be between 0 and 65535; got 70000.");

    [Fact]
    public async Task Trust_options_that_cannot_work_name_the_problem()
    {
        const string Hub = "ws://127.0.0.1:9/v1/providers/connect";
        (await Umbra("provider", "--coordinator", Hub, "--model", TestPaths.Stories260K, "--keys", "vault", "--data-dir", _home.File("p")))
            .AssertCleanError("--keys must be software, tpm or secure-enclave; got 'vault'.");
        if (!OperatingSystem.IsMacOS())
        {
            (await Umbra("provider", "--coordinator", Hub, "--model", TestPaths.Stories260K, "--keys", "secure-enclave", "--data-dir", _home.File("p")))
                .AssertCleanError("--keys secure-enclave needs macOS");
        }
        (await Umbra("provider", "--coordinator", Hub, "--model", TestPaths.Stories260K, "--keys", "tpm", "--tpm", "127.0.0.1:9", "--data-dir", _home.File("p")))
            .AssertCleanError("127.0.0.1:9");
        (await Umbra("coordinator", "--port", "0", "--data-dir", _home.File("c"), "--min-trust", "platinum"))
            .AssertCleanError("--min-trust must be none, self_signed, hardware or hardware_certified; got 'platinum'.");
        (await Umbra("coordinator", "--port", "0", "--data-dir", _home.File("c"), "--tpm-root", _home.File("nope.pem")))
            .AssertCleanError("--tpm-root: the file");
    }

    [Fact]
    public async Task Bench_counts_out_of_range_name_the_option()
    {
        (await Umbra("bench", "--model", TestPaths.Stories260K, "--prompt-tokens", "0")).AssertCleanError("--prompt-tokens must be at least 1; got 0.");
        (await Umbra("bench", "--model", TestPaths.Stories260K, "--gen-tokens", "-2")).AssertCleanError("--gen-tokens must be at least 1; got -2.");
        (await Umbra("bench", "--model", TestPaths.Stories260K, "--rounds", "0")).AssertCleanError("--rounds takes 1 to 100; got 0.");
        (await Umbra("bench", "--model", TestPaths.Stories260K, "--rounds", "101")).AssertCleanError("--rounds takes 1 to 100; got 101.");
    }

    [Fact]
    public async Task Run_reports_a_bad_request_before_printing_the_prompt()
    {
        var maxTokens = (await Umbra("run", "--model", TestPaths.Stories260K, "--prompt", "hi", "--max-tokens", "0")).AssertCleanError("--max-tokens must be at least 1; got 0.");
        Assert.Equal("", maxTokens.Stdout);
        var temperature = (await Umbra("run", "--model", TestPaths.Stories260K, "--prompt", "hi", "--temperature", "-1")).AssertCleanError("temperature must be between 0 and 100; got -1.");
        Assert.Equal("", temperature.Stdout);
    }

    [Fact]
    public async Task Run_reports_a_prompt_that_fills_the_context_as_too_long()
    {
        // "Once upon a time" is 5 tokens with BOS: nothing is left to generate in a context of 5.
        var result = await Umbra("run", "--model", TestPaths.Stories260K, "--prompt", "Once upon a time", "--ctx-size", "5");
        result.AssertCleanError("maximum context length is 5 tokens");
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Missing_required_option_fails_without_running()
    {
        var result = await Umbra("run", "--prompt", "hi");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Option '--model' is required.", result.Stderr, StringComparison.Ordinal);
    }
}
