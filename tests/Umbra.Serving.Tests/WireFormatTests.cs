using System.Text.Json;
using Umbra.Protocol.OpenAi;

namespace Umbra.Serving.Tests;

public class WireFormatTests
{
    [Fact]
    public void Text_is_written_as_itself_not_as_unicode_escapes()
    {
        var completion = new ChatCompletion("chatcmpl-1", 1, "m", [new ChatChoice(0, new ChatMessageDto("assistant", "\"<héllo> & 世界\""), "stop")], new Usage(1, 2));
        string json = JsonSerializer.Serialize(completion, OpenAiJson.Context.ChatCompletion);
        Assert.Contains("\"content\":\"\\\"<héllo> & 世界\\\"\"", json, StringComparison.Ordinal);
        Assert.Contains("\"object\":\"chat.completion\"", json, StringComparison.Ordinal);
        Assert.Contains("\"total_tokens\":3", json, StringComparison.Ordinal);
        Assert.Contains("\"logprobs\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunk_omits_absent_delta_fields_and_usage()
    {
        var chunk = new ChatCompletionChunk("c", 1, "m", [new ChatChunkChoice(0, new ChatDelta(null, "hi"), null)], null);
        string json = JsonSerializer.Serialize(chunk, OpenAiJson.Context.ChatCompletionChunk);
        Assert.Contains("\"delta\":{\"content\":\"hi\"}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("usage", json, StringComparison.Ordinal);
        Assert.Contains("\"finish_reason\":null", json, StringComparison.Ordinal);
    }
}
