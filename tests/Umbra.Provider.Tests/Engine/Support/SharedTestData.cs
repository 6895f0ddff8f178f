namespace Umbra.Provider.Tests.Engine.Support;

/// <summary>Locates ../shared/testdata beside the repository root.</summary>
internal static class SharedTestData
{
    public static string Stories260K => Path("models", "stories260K.gguf");

    public static string Path(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Umbra.slnx")))
            {
                var path = System.IO.Path.GetFullPath(System.IO.Path.Combine([dir.FullName, "..", "shared", "testdata", .. parts]));
                return File.Exists(path) ? path : throw new FileNotFoundException($"Shared test data not found at {path}: the tests expect ../shared/testdata beside the repository root.", path);
            }
        }
        throw new DirectoryNotFoundException("Repository root (Umbra.slnx) not found above " + AppContext.BaseDirectory);
    }
}
