using System.Runtime.CompilerServices;
using System.Text;

namespace Umbra.Provider.Forwarding;

/// <summary>Reads the data of server-sent events from an OpenAI-style stream, one event at a time as it arrives.</summary>
internal static class ServerSentEvents
{
    public static async IAsyncEnumerable<string> ReadDataAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        bool any = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (any)
                    yield return data.ToString();
                data.Clear();
                any = false;
                continue;
            }
            if (!line.StartsWith("data:", StringComparison.Ordinal))
                continue; // comments (":"), event names and ids carry nothing an OpenAI stream needs
            if (any)
                data.Append('\n');
            data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
            any = true;
        }
        if (any)
            yield return data.ToString();
    }
}
