namespace Umbra.Cli.Tests.Support;

/// <summary>
/// A fresh directory per test, deleted on dispose. Used as the child's UMBRA_HOME so that no test reads or
/// writes the real ~/.umbra, and as a place for the models and files a test makes.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"umbra-cli-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a child killed mid-write may still hold a file; the OS temp cleaner gets the rest.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }
}
