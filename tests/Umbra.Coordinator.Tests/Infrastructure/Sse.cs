namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>Reads server-sent events' data lines from a response stream.</summary>
internal static class Sse
{
    public static async IAsyncEnumerable<string> ReadDataAsync(Stream stream)
    {
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                yield return line["data: ".Length..];
        }
    }
}
