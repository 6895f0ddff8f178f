using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>
/// Serves one request that arrived over the hub. Called on its own task, concurrently with other requests.
/// </summary>
public interface IHubRequestHandler
{
    /// <summary>
    /// Serves <paramref name="request"/>, answering through <paramref name="response"/>: chunks, then exactly one
    /// <see cref="HubResponseWriter.CompleteAsync"/> or <see cref="HubResponseWriter.FailAsync"/>.
    /// <paramref name="cancellationToken"/> is cancelled when the coordinator cancels the request, when the
    /// connection it came on is lost (its output can no longer be delivered), or when a drain times out.
    /// If the handler throws, or returns without finishing the response, the client reports
    /// <see cref="HubErrorCodes.ProviderError"/> for it.
    /// </summary>
    Task HandleAsync(RequestMessage request, HubResponseWriter response, CancellationToken cancellationToken);
}
