using System.Text.Json;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests;

/// <summary>
/// The runtime configuration `umbra` ships with. Without a zero call-counting delay, a one-processor host ran the
/// engine's element-wise steps unoptimized for the first seconds of serving (docs/ENGINE.md, "Optimized code from
/// the start of serving"); a timing cannot be asserted, so the setting is.
/// </summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void Hot_methods_are_promoted_without_the_tiering_delay()
    {
        var path = Path.ChangeExtension(UmbraExecutable.Path, ".runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var properties = doc.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs", out var delay), $"{path} sets no call-counting delay");
        Assert.Equal("0", delay.ToString());
        // Tiered compilation itself stays on: start-up and the library's precompiled code depend on it.
        Assert.False(properties.TryGetProperty("System.Runtime.TieredCompilation", out var tiered) && tiered.ValueKind == JsonValueKind.False);
    }
}
