namespace Umbra.Cli.Tests.Support;

/// <summary>The repository root and the shared test data beside it (../shared/testdata).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    public static string RepositoryRoot => Root.Value;

    public static string Stories260K => TestData("models", "stories260K.gguf");

    /// <summary>A vocabulary-only GGUF: metadata and tokenizer, no tensors, an architecture the engine cannot run.</summary>
    public static string Gpt2Vocab => TestData("vocab", "ggml-vocab-gpt-2.gguf");

    public static string TestData(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([RepositoryRoot, "..", "shared", "testdata", .. parts]));
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Shared test data not found at {path}: the tests expect ../shared/testdata beside the repository root.", path);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Umbra.slnx")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("Could not find the repository root (Umbra.slnx) above " + AppContext.BaseDirectory);
    }
}
