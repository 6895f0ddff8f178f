namespace Umbra.Provider.Engine;

/// <summary>
/// The <c>error.code</c> values a provider sends for a request it refuses or cannot serve. Their messages travel
/// in clear through the coordinator, so they name parameters and numbers, never anything from the sealed body.
/// </summary>
public static class ProviderErrorCodes
{
    /// <summary>The envelope is malformed, not sealed to this provider's keys, altered, or a replay.</summary>
    public const string SealingFailed = "sealing_failed";

    /// <summary>The envelope names a model this provider does not serve.</summary>
    public const string ModelNotFound = "model_not_found";

    /// <summary>The prompt, plus max_tokens, does not fit the model's context.</summary>
    public const string ContextLengthExceeded = "context_length_exceeded";

    /// <summary>The body is not a valid request, or disagrees with the routing fields sealed with it.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>The endpoint is one this provider cannot serve yet (the Responses API).</summary>
    public const string UnsupportedEndpoint = "unsupported_endpoint";

    /// <summary>The local inference server a forwarding provider uses failed or could not be reached.</summary>
    public const string UpstreamError = "upstream_error";
}
