namespace Umbra.Inference.Templates;

/// <summary>One turn of a conversation, as a chat template sees it: <c>{"role": ..., "content": ...}</c>.</summary>
public sealed record ChatMessage(string Role, string Content);
