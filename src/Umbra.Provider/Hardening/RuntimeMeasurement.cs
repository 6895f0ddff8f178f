using System.Reflection;
using System.Security.Cryptography;

namespace Umbra.Provider.Hardening;

/// <summary>One measured managed assembly: its simple name (made unique, see <see cref="RuntimeMeasurement"/>) and the SHA-256 of its file.</summary>
public sealed record AssemblyDigest(string Name, byte[] Sha256);

/// <summary>What this process runs, as the attestation bundle's measurement field carries it.</summary>
/// <param name="ExecutablePath">Environment.ProcessPath: the apphost (`umbra`) or `dotnet`.</param>
/// <param name="ExecutableSha256">SHA-256 of that file.</param>
/// <param name="EntryAssemblySha256">SHA-256 of the entry assembly's file when it is not the executable (`dotnet umbra.dll`); null otherwise.</param>
/// <param name="Assemblies">Every loaded managed assembly that has a file, sorted by name (ordinal), names unique.</param>
/// <param name="DynamicSkipped">Loaded assemblies emitted at run time (no image to hash).</param>
/// <param name="InMemorySkipped">Loaded assemblies without a file (Assembly.Load(byte[]), single-file bundles: covered by the executable's hash).</param>
public sealed record RuntimeMeasurementResult(
    string ExecutablePath,
    byte[] ExecutableSha256,
    byte[]? EntryAssemblySha256,
    IReadOnlyList<AssemblyDigest> Assemblies,
    int DynamicSkipped,
    int InMemorySkipped);

/// <summary>
/// Measures the running executable and the managed assemblies loaded so far. Measure after the provider has
/// loaded what it serves with (its assemblies load lazily): once at start-up for the bundle, again at a
/// challenge if wanted; a plug-in loaded later shows up in the later measurement.
/// </summary>
public static class RuntimeMeasurement
{
    public static RuntimeMeasurementResult Measure()
    {
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("The runtime does not know this process's executable path (Environment.ProcessPath is null); it cannot be measured.");
        byte[] executableHash = HashFile(executable);

        string? entry = Assembly.GetEntryAssembly()?.Location;
        byte[]? entryHash = !string.IsNullOrEmpty(entry) && !SamePath(entry, executable) ? HashFile(entry) : null;

        int dynamicSkipped = 0, inMemorySkipped = 0;
        var byName = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var pending = new List<(string Name, string Version, byte[] Hash)>();
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic)
            {
                dynamicSkipped++;
                continue;
            }
            string location = assembly.Location;
            if (string.IsNullOrEmpty(location))
            {
                inMemorySkipped++;
                continue;
            }
            var name = assembly.GetName();
            pending.Add((name.Name ?? Path.GetFileNameWithoutExtension(location), name.Version?.ToString() ?? "", HashFile(location)));
        }
        // Names must be unique in the bundle. The same file loaded twice (two load contexts) is listed once;
        // a different file under a taken name is listed as "name@version" (then "name@version#2"...).
        foreach (var (name, version, hash) in pending.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => Convert.ToHexString(p.Hash), StringComparer.Ordinal))
        {
            if (byName.TryGetValue(name, out var existing) && existing.AsSpan().SequenceEqual(hash))
                continue;
            string unique = name;
            for (int n = 1; byName.ContainsKey(unique); n++)
                unique = n == 1 ? $"{name}@{version}" : $"{name}@{version}#{n}";
            byName[unique] = hash;
        }
        var assemblies = byName.Select(kv => new AssemblyDigest(kv.Key, kv.Value)).ToList();
        return new RuntimeMeasurementResult(executable, executableHash, entryHash, assemblies, dynamicSkipped, inMemorySkipped);
    }

    private static byte[] HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        return SHA256.HashData(stream);
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
