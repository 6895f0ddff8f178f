namespace Umbra.Protocol.OpenAi;

/// <summary>One chat message of a request, its content parts already joined into text.</summary>
public sealed record OpenAiMessage(string Role, string Content);
