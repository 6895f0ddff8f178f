using System.Text.Json;
using Umbra.Inference.Generation;
using Umbra.Protocol.OpenAi;

namespace Umbra.Provider.Engine;

/// <summary>The OpenAI JSON a provider seals: the same shapes `umbra serve` sends, one payload per SSE event.</summary>
internal sealed class OpenAiPayloads(bool chat, string model)
{
    private readonly string _id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public bool IsChat => chat;

    public static string Finish(FinishReason? reason) => reason == FinishReason.Length ? "length" : "stop";

    /// <summary>The chat stream's opening chunk, which names the assistant role.</summary>
    public byte[] RoleChunk() =>
        JsonSerializer.SerializeToUtf8Bytes(new ChatCompletionChunk(_id, _created, model, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null)], null), OpenAiJson.Context.ChatCompletionChunk);

    /// <summary>One streamed chunk; text null with usage set is OpenAI's usage-only chunk (no choices).</summary>
    public byte[] Chunk(string? text, string? finish, Usage? usage)
    {
        bool usageOnly = text is null && usage is not null;
        if (chat)
        {
            IReadOnlyList<ChatChunkChoice> choices = usageOnly ? [] : [new ChatChunkChoice(0, new ChatDelta(null, text is { Length: > 0 } || finish is null ? text : null), finish)];
            return JsonSerializer.SerializeToUtf8Bytes(new ChatCompletionChunk(_id, _created, model, choices, usage), OpenAiJson.Context.ChatCompletionChunk);
        }
        IReadOnlyList<CompletionChoice> textChoices = usageOnly ? [] : [new CompletionChoice(0, text ?? "", finish)];
        return JsonSerializer.SerializeToUtf8Bytes(new TextCompletion(_id, _created, model, textChoices, usage), OpenAiJson.Context.TextCompletion);
    }

    /// <summary>The whole response of a request that does not stream.</summary>
    public byte[] Whole(string text, string finish, Usage usage) => chat
        ? JsonSerializer.SerializeToUtf8Bytes(new ChatCompletion(_id, _created, model, [new ChatChoice(0, new ChatMessageDto("assistant", text), finish)], usage), OpenAiJson.Context.ChatCompletion)
        : JsonSerializer.SerializeToUtf8Bytes(new TextCompletion(_id, _created, model, [new CompletionChoice(0, text, finish)], usage), OpenAiJson.Context.TextCompletion);
}
