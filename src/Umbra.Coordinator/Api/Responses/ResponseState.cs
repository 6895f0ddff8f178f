namespace Umbra.Coordinator.Api.Responses;

/// <summary>What a response object says about one request, and how far it has got.</summary>
internal sealed record ResponseState(string Id, long CreatedAt, string Model, string MessageId, ResponsesRequest Request)
{
    /// <summary><c>in_progress</c>, <c>completed</c> or <c>incomplete</c>.</summary>
    public string Status { get; init; } = "in_progress";

    /// <summary>The assistant's text; null while no output item exists yet.</summary>
    public string? Text { get; init; }

    public string? IncompleteReason { get; init; }

    public int? InputTokens { get; init; }

    public int? OutputTokens { get; init; }

    public static ResponseState Start(ResponsesRequest request, string model) => new(
        "resp_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, "msg_" + Guid.NewGuid().ToString("N"), request);

    /// <summary>The final state for a provider's text and finish reason (<c>length</c> means the output limit cut it short).</summary>
    public ResponseState Finish(string text, string? finishReason, int inputTokens, int outputTokens) => this with
    {
        Status = finishReason == "length" ? "incomplete" : "completed",
        IncompleteReason = finishReason == "length" ? "max_output_tokens" : null,
        Text = text,
        InputTokens = inputTokens,
        OutputTokens = outputTokens,
    };
}
