using System.Text;
using System.Text.Json;

namespace Umbra.Cli.Tests.Network;

/// <summary>A streamed chat completion as the client saw it, read to its end.</summary>
internal sealed record StreamedAnswer(string Text, string? FinishReason, int? PromptTokens, int? CompletionTokens, IReadOnlyList<string> Errors, bool Done)
{
    /// <summary>Ended as a normal response does: finish reason, usage, [DONE], and no error event.</summary>
    public bool IsComplete => Done && Errors.Count == 0 && FinishReason != null && CompletionTokens > 0;

    public static async Task<StreamedAnswer> ReadAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var text = new StringBuilder();
        string? finish = null;
        int? prompt = null, completion = null;
        var errors = new List<string>();
        var done = false;
        while (await reader.ReadLineAsync().WaitAsync(ProviderNetwork.Patience) is { } line)
        {
            // Comments (the response hash and receipt) and blank separators carry no event.
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
                continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }
            using var chunk = JsonDocument.Parse(data);
            var root = chunk.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                errors.Add(error.GetRawText());
                continue;
            }
            foreach (var choice in root.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("content", out var content))
                    text.Append(content.GetString());
                if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                    finish = reason.GetString();
            }
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                prompt = usage.GetProperty("prompt_tokens").GetInt32();
                completion = usage.GetProperty("completion_tokens").GetInt32();
            }
        }
        return new StreamedAnswer(text.ToString(), finish, prompt, completion, errors, done);
    }

    /// <summary>Reads a stream's events until the first with generated text: the provider's engine is running the request.</summary>
    public static async Task ReadUntilContentAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().WaitAsync(ProviderNetwork.Patience) is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
                continue;
            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            Assert.False(chunk.RootElement.TryGetProperty("error", out _), line);
            if (chunk.RootElement.GetProperty("choices").EnumerateArray().Any(c => c.GetProperty("delta").TryGetProperty("content", out var t) && t.GetString() is { Length: > 0 }))
                return;
        }
        Assert.Fail("The stream ended before any text.");
    }
}
