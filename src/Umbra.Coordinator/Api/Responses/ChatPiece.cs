namespace Umbra.Coordinator.Api.Responses;

/// <summary>What one chat.completions answer or chunk says: text, finish reason and token counts, each if present.</summary>
internal sealed record ChatPiece(string? Text, string? FinishReason, int? PromptTokens, int? CompletionTokens);
