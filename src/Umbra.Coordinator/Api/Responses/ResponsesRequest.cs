using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api.Responses;

/// <summary>A Responses API request translated to chat.completions: the body a provider is sent, and what the answer echoes.</summary>
internal sealed record ResponsesRequest(byte[] ChatBody, ParsedRequest Chat, string? Instructions, int? MaxOutputTokens);
