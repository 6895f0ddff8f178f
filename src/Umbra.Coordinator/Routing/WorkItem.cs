namespace Umbra.Coordinator.Routing;

/// <summary>
/// What the scheduler knows of a request, sealed or plain alike: its model and a token estimate. The prompt
/// estimate comes from sizes (the plain body, or the sealed ciphertext), never from content.
/// <paramref name="Tenant"/> (the id of the API key that sent it; null: one shared tenant) takes turns with other
/// tenants in the model's queue.
/// </summary>
internal sealed record WorkItem(string Model, int PromptTokens, int MaxTokens, string? Tenant = null)
{
    /// <summary>Bytes per token assumed when estimating a prompt from its size: pessimistic for English text and JSON.</summary>
    public const int BytesPerToken = 4;

    /// <summary>The KV cache tokens the request will reserve at its provider: prompt plus max_tokens.</summary>
    public long Tokens => (long)PromptTokens + MaxTokens;

    public static WorkItem Estimate(string model, long promptBytes, int? maxTokens, SchedulerOptions options, string? tenant = null) =>
        new(model, (int)Math.Clamp(promptBytes / BytesPerToken, 1, int.MaxValue), maxTokens is > 0 and { } m ? m : options.DefaultMaxTokens, tenant);
}
