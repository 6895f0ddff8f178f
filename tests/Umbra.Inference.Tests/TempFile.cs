namespace Umbra.Inference.Tests;

/// <summary>A temporary file path, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string extension = ".gguf")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"umbra-test-{Guid.NewGuid():N}{extension}");
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Best effort: the OS temp cleaner gets the rest.
        }
    }
}
