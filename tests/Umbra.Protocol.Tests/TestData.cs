namespace Umbra.Protocol.Tests;

/// <summary>Locates the shared test data (../shared/testdata from the repository root).</summary>
internal static class TestData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string HpkeVectors => Path("hpke", "rfc9180-test-vectors.json");

    public static string Path(params string[] parts)
    {
        var path = System.IO.Path.Combine([Root.Value, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"Shared test data not found at {path}: the tests expect ../shared/testdata beside the repository root.", path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Umbra.slnx")))
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "testdata"));
        }
        throw new DirectoryNotFoundException("Could not find the repository root (Umbra.slnx) above " + AppContext.BaseDirectory);
    }
}
