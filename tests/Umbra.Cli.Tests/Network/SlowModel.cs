using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Network;

/// <summary>
/// A synthetic model in a real shape (TinyLlama's, two layers, Q4_0), made once for a test class: slow enough
/// (tens of milliseconds a token on a small machine) that a long stream is still running when a test acts on it,
/// and greedy decoding gives the same text on every provider that loads it.
/// </summary>
public sealed class SlowModel : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    internal string Path => _directory.File("slow.gguf");

    public async Task InitializeAsync()
    {
        using var synth = UmbraProcess.Start(_directory, "model", "synth", "--shape", "tinyllama-1.1b", "--layers", "2", "--type", "q4_0", "--context-length", "4096", "-o", Path);
        (await synth.WaitForExitAsync(TimeSpan.FromSeconds(90))).AssertSuccess();
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}
