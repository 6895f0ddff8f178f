namespace Umbra.Provider.Hub;

/// <summary>The <c>error.code</c> values the provider's hub client sends on its own behalf.</summary>
public static class HubErrorCodes
{
    /// <summary>A request arrived while the provider was draining; it was not started and may go elsewhere.</summary>
    public const string ProviderDraining = "provider_draining";

    /// <summary>A request was still running when the drain timeout expired and was cancelled.</summary>
    public const string ProviderShutdown = "provider_shutdown";

    /// <summary>The handler failed, or returned without completing or failing the request.</summary>
    public const string ProviderError = "provider_error";
}
