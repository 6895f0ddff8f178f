using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api.Responses;

/// <summary>Writes one response's stream events in OpenAI's order, numbering each.</summary>
internal sealed class ResponsesStream(SseWriter sse, ResponseState state)
{
    private int _sequence;

    public bool Started => sse.Started;

    /// <summary>Opens the stream: the response, its one message item and that item's one text part (once).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (sse.Started)
            return;
        await sse.StartAsync(ct);
        await WriteAsync("response.created", ResponsesJson.ResponseEvent("response.created", _sequence, state), ct);
        await WriteAsync("response.in_progress", ResponsesJson.ResponseEvent("response.in_progress", _sequence, state), ct);
        await WriteAsync("response.output_item.added", ResponsesJson.OutputItem("response.output_item.added", _sequence, state), ct);
        await WriteAsync("response.content_part.added", ResponsesJson.ContentPart("response.content_part.added", _sequence, state, ""), ct);
    }

    public Task DeltaAsync(string delta, CancellationToken ct) =>
        WriteAsync("response.output_text.delta", ResponsesJson.TextDelta(_sequence, state, delta), ct);

    /// <summary>Closes the text part, the item and the response; <c>response.incomplete</c> when the output limit cut it short.</summary>
    public async Task FinishAsync(ResponseState final, CancellationToken ct)
    {
        var text = final.Text ?? "";
        await WriteAsync("response.output_text.done", ResponsesJson.TextDone(_sequence, final, text), ct);
        await WriteAsync("response.content_part.done", ResponsesJson.ContentPart("response.content_part.done", _sequence, final, text), ct);
        await WriteAsync("response.output_item.done", ResponsesJson.OutputItem("response.output_item.done", _sequence, final), ct);
        var type = final.Status == "incomplete" ? "response.incomplete" : "response.completed";
        await WriteAsync(type, ResponsesJson.ResponseEvent(type, _sequence, final), ct);
    }

    public Task ErrorAsync(ApiException error, CancellationToken ct) =>
        WriteAsync("error", ResponsesJson.Error(_sequence, error), ct);

    private async Task WriteAsync(string type, byte[] json, CancellationToken ct)
    {
        _sequence++;
        await sse.WriteEventAsync(type, json, ct);
    }
}
