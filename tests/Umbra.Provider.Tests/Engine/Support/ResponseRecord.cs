using System.Text.Json;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Tests.Engine.Support;

/// <summary>What came back for one request: its sealed chunks, their opened payloads, and how it ended.</summary>
internal sealed record ResponseRecord(IReadOnlyList<SealedChunk> Chunks, IReadOnlyList<string> Payloads, CompleteMessage? Complete, ErrorMessage? Error)
{
    /// <summary>The text of a stream or a whole response, chat or completion.</summary>
    public string Text => string.Concat(Payloads.Select(TextOf));

    /// <summary>The usage object of the final payload.</summary>
    public (int Prompt, int Completion) FinalUsage
    {
        get
        {
            using var doc = JsonDocument.Parse(Payloads[^1]);
            var usage = doc.RootElement.GetProperty("usage");
            return (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
        }
    }

    private static string TextOf(string payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var choices = doc.RootElement.GetProperty("choices");
        if (choices.GetArrayLength() == 0)
            return "";
        var choice = choices[0];
        if (choice.TryGetProperty("text", out var text))
            return text.GetString() ?? "";
        var part = choice.TryGetProperty("message", out var message) ? message : choice.GetProperty("delta");
        return part.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()! : "";
    }
}
