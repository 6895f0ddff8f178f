using System.Diagnostics;
using System.Security.Cryptography;
using Umbra.Provider.Hardening;
using Xunit.Abstractions;

namespace Umbra.Provider.Tests.Hardening;

public class MeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public void Runtime_measurement_is_stable_sorted_unique_and_covers_loaded_assemblies()
    {
        var first = RuntimeMeasurement.Measure();
        var second = RuntimeMeasurement.Measure();

        Assert.Equal(Environment.ProcessPath, first.ExecutablePath);
        Assert.Equal(32, first.ExecutableSha256.Length);
        Assert.Equal(first.ExecutableSha256, second.ExecutableSha256);
        var names = first.Assemblies.Select(a => a.Name).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("System.Private.CoreLib", names);
        Assert.Contains("Umbra.Provider", names);
        Assert.All(first.Assemblies, a => Assert.Equal(32, a.Sha256.Length));
        // Two calls may differ only by assemblies loaded in between; the ones in both agree byte for byte.
        var again = second.Assemblies.ToDictionary(a => a.Name, a => a.Sha256);
        Assert.All(first.Assemblies, a => Assert.Equal(a.Sha256, again[a.Name]));

        var provider = first.Assemblies.Single(a => a.Name == "Umbra.Provider");
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(typeof(ProcessHardening).Assembly.Location)), provider.Sha256);
    }

    [Fact]
    public void Model_hash_is_the_files_sha256_and_changes_with_one_byte()
    {
        string path = Path.GetTempFileName();
        try
        {
            var bytes = new byte[(9 << 20) + 123]; // more than two read buffers, and a partial one
            new Random(7).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            var reported = new List<long>();
            byte[] first = ModelMeasurement.HashFile(path, new SynchronousProgress(reported.Add), CancellationToken.None);
            Assert.Equal(SHA256.HashData(bytes), first);
            Assert.Equal(first, ModelMeasurement.HashFile(path, null, CancellationToken.None));
            Assert.Equal(bytes.Length, reported[^1]);
            Assert.Equal(reported.Order(), reported);

            bytes[5_000_000] ^= 1;
            File.WriteAllBytes(path, bytes);
            Assert.NotEqual(first, ModelMeasurement.HashFile(path, null, CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Model_hash_of_an_empty_file_and_cancellation()
    {
        string path = Path.GetTempFileName();
        try
        {
            Assert.Equal(SHA256.HashData(Array.Empty<byte>()), ModelMeasurement.HashFile(path, null, CancellationToken.None));
            File.WriteAllBytes(path, new byte[1024]);
            Assert.Throws<OperationCanceledException>(() => ModelMeasurement.HashFile(path, null, new CancellationToken(canceled: true)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Not an assertion: the start-up cost figure for docs/HARDENING.md, in the test output.</summary>
    [Fact]
    public void Startup_cost_of_posture_and_measurement()
    {
        var clock = Stopwatch.StartNew();
        var posture = PostureProbe.Read();
        var probe = clock.Elapsed;
        clock.Restart();
        var measurement = RuntimeMeasurement.Measure();
        var measure = clock.Elapsed;
        long bytes = measurement.Assemblies.Count; // count only, for the line below
        output.WriteLine($"PostureProbe.Read: {probe.TotalMilliseconds:F2} ms ({posture.Count} items); RuntimeMeasurement.Measure: {measure.TotalMilliseconds:F2} ms ({bytes} assemblies, {measurement.DynamicSkipped} dynamic, {measurement.InMemorySkipped} in-memory skipped)");
    }

    /// <summary>Not an assertion either: Apply() then Measure() in a fresh process, as at a provider's start.</summary>
    [Fact]
    public async Task Startup_cost_in_a_fresh_process()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var child = await ChildProcess.StartDotnetAsync("cost", new Dictionary<string, string?>());
        await child.FinishAsync();
        output.WriteLine(child.Value("cost="));
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
