using Umbra.Coordinator.Hub;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api;

/// <summary>What a provider's error, or a lost provider, means to the client.</summary>
internal static class ProviderErrors
{
    /// <summary>Nothing reached the client and another provider may serve the request as well.</summary>
    public static bool CanFailOver(RelayEvent failure) => failure.Code is "provider_draining" or "provider_disconnected";

    /// <summary>
    /// What an ending says of the provider's health: a completion or a client error is no mark against it; a
    /// cancel, a drain or the provider's own rate limit is no verdict; anything else is its failure.
    /// </summary>
    public static Routing.LeaseOutcome Outcome(RelayEvent terminal)
    {
        if (terminal.Kind != RelayEventKind.Failed)
            return Routing.LeaseOutcome.Succeeded;
        if (terminal.Code is "cancelled" or "provider_draining" or "rate_limit_exceeded")
            return Routing.LeaseOutcome.Released;
        return ToApi(terminal).Status >= 500 ? Routing.LeaseOutcome.Failed : Routing.LeaseOutcome.Succeeded;
    }

    public static ApiException ToApi(RelayEvent failure)
    {
        var code = failure.Code ?? "provider_error";
        var message = failure.Message ?? "The provider failed.";
        var status = code switch
        {
            "model_not_found" => 404,
            "request_too_large" => 413,
            "rate_limit_exceeded" => 429,
            "provider_draining" => 503,
            "provider_timeout" => 504,
            "context_length_exceeded" or "invalid_json" or "invalid_value" or "invalid_type" or "missing_required_parameter"
                or "empty_array" or "invalid_messages" or "invalid_request" or "unsupported_value" => 400,
            _ => 502,
        };
        return new ApiException(status, message, null, code, status >= 500 ? "server_error" : "invalid_request_error");
    }
}
