using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hub;
using Umbra.Coordinator.Routing;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api;

/// <summary>
/// Routes a request (through the scheduler: it may wait in its model's queue, or be refused with 429 and a
/// Retry-After), sends it over the chosen provider's socket and waits for its first event. Before any content
/// has reached the client, a provider that is draining or that vanished is replaced by the next one.
/// </summary>
internal sealed class RequestDispatcher(ProviderRegistry registry, Hosting.CoordinatorOptions options, ILogger<RequestDispatcher> logger)
{
    public const int MaxAttempts = 3;

    /// <param name="keyIds">A sealed request's recipients; null for plain ingress, which seals to whichever provider is chosen.</param>
    /// <param name="prepare">The envelope for the chosen route (plain ingress seals to that route's key here).</param>
    /// <param name="response">Where a refusal's Retry-After goes.</param>
    public async Task<Dispatched> DispatchAsync(HttpResponse response, RequestSummary summary, IReadOnlyList<string>? keyIds, Func<Route, JsonElement> prepare, CancellationToken cancellationToken)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var work = WorkItem.Estimate(summary.Model, summary.PromptBytes, summary.MaxTokens, registry.Scheduler.Options);
        RelayEvent? lastFailure = null;
        for (var attempt = 1; ; attempt++)
        {
            var route = await registry.AcquireAsync(work, keyIds, tried, cancellationToken);
            if (route.Outcome != RouteOutcome.Routed || route.Provider == null || route.Lease == null)
            {
                if (lastFailure != null)
                    throw ProviderErrors.ToApi(lastFailure);
                if (route.Outcome is RouteOutcome.Saturated or RouteOutcome.CoolingDown)
                    response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(route.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                throw route.Outcome switch
                {
                    RouteOutcome.UnknownModel => ApiErrors.ModelNotFound(summary.Model),
                    RouteOutcome.Untrusted => Untrusted(summary.Model),
                    RouteOutcome.Saturated => Saturated(summary.Model),
                    RouteOutcome.CoolingDown => CoolingDown(summary.Model),
                    _ => NoRecipient(summary.Model),
                };
            }
            var provider = route.Provider;
            var lease = route.Lease;
            tried.Add(provider.ConnectionId);
            JsonElement envelope;
            try
            {
                envelope = prepare(route);
            }
            catch
            {
                registry.Scheduler.Complete(lease, LeaseOutcome.Released);
                throw;
            }
            var relay = provider.Begin();
            ApiLog.Routed(logger, relay.Handle, summary.Ingress, summary.Endpoint, summary.Model, summary.Stream, provider.ProviderId);
            RelayEvent first;
            try
            {
                await provider.SendRequestAsync(relay, envelope, cancellationToken);
                first = await Dispatched.ReadWithin(relay, options.FirstEventTimeout, cancellationToken);
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // The socket failed under the send: the request never reached the provider.
                await provider.CancelAsync(relay);
                first = RelayEvent.Failed("provider_disconnected", "The provider disconnected before taking the request.");
            }
            catch (OperationCanceledException)
            {
                await provider.CancelAsync(relay);
                registry.Scheduler.Complete(lease, LeaseOutcome.Released);
                throw;
            }
            if (first.Kind == RelayEventKind.Failed && ProviderErrors.CanFailOver(first) && attempt < MaxAttempts)
            {
                ApiLog.FailingOver(logger, relay.Handle, first.Code ?? "");
                registry.Scheduler.Complete(lease, ProviderErrors.Outcome(first));
                lastFailure = first;
                continue;
            }
            var scheduler = registry.Scheduler;
            return new Dispatched(relay, first, options.IdleEventTimeout) { OnFinished = outcome => scheduler.Complete(lease, outcome) };
        }
    }

    private ApiException Untrusted(string model) => new(503,
        $"Providers of '{model}' are connected, but none has proven trust level {options.MinimumTrust.ToWireName()} (this coordinator's minimum) at its last challenge; "
        + "nothing was sent. GET /v1/providers/attestation shows each provider's level and last challenge.",
        null, "insufficient_trust", "server_error");

    private static ApiException Saturated(string model) => new(429,
        $"Every provider of '{model}' is busy and the queue for it is full (or this request waited its turn too long); nothing was sent. Retry after the time in the Retry-After header.",
        null, "capacity_exceeded", "server_error");

    private static ApiException CoolingDown(string model) => new(503,
        $"Every provider of '{model}' this request can go to failed it repeatedly in the last minute and is resting; nothing was sent. Retry after the time in the Retry-After header.",
        null, "providers_cooling_down", "server_error");

    private static ApiException NoRecipient(string model) => new(409,
        $"No online provider of '{model}' holds a key this request is sealed to. Fetch GET /v1/models/{model}/providers and seal the request again.",
        null, "recipient_unavailable");
}
