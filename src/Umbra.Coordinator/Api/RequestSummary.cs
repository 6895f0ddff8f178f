namespace Umbra.Coordinator.Api;

/// <summary>
/// The routing metadata of one request, which is all the coordinator logs about it; <paramref name="PromptBytes"/>
/// (the plain body, or the sealed ciphertext) and <paramref name="MaxTokens"/> size it for the scheduler.
/// </summary>
internal sealed record RequestSummary(string Ingress, string Endpoint, string Model, bool Stream, long PromptBytes = 0, int? MaxTokens = null)
{
    /// <summary>Who sent it, for turns in the queue: the API key's owner, or the key's id when it has none. Never logged.</summary>
    public string? Tenant { get; init; }
}
