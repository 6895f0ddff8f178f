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
/// has reached the client, a provider that is draining or that vanished is replaced by the next one. When the
/// first event is slow to come (<see cref="Hosting.CoordinatorOptions.SpeculativeAfter"/>), a backup provider
/// with room now starts on the same request; the first of the two to answer wins and the other is cancelled.
/// If no provider has room for a backup at that moment, the dispatcher looks again every quarter of
/// SpeculativeAfter for as long as the first provider stays silent (which its first-event timeout bounds).
/// A request gets one backup at most, and the backup counts toward <see cref="MaxAttempts"/>.
/// </summary>
internal sealed class RequestDispatcher(ProviderRegistry registry, Hosting.CoordinatorOptions options, TimeProvider time, ILogger<RequestDispatcher> logger)
{
    /// <summary>Providers tried for one request at most, a speculative backup included.</summary>
    public const int MaxAttempts = 3;

    /// <summary>The shortest wait between two looks for a backup, whatever SpeculativeAfter is: never a busy loop.</summary>
    private static readonly TimeSpan MinimumBackupRecheck = TimeSpan.FromMilliseconds(10);

    /// <summary>One provider working on the request, and its first event to come.</summary>
    private sealed record Attempt(Route Route, RelayRequest Relay, Task<RelayEvent> First);

    /// <param name="keyIds">A sealed request's recipients; null for plain ingress, which seals to whichever provider is chosen.</param>
    /// <param name="prepare">The envelope for the chosen route (plain ingress seals to that route's key here); called once per provider tried.</param>
    /// <param name="response">Where a refusal's Retry-After goes.</param>
    public async Task<Dispatched> DispatchAsync(HttpResponse response, RequestSummary summary, IReadOnlyList<string>? keyIds, Func<Route, JsonElement> prepare, CancellationToken cancellationToken)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var work = WorkItem.Estimate(summary.Model, summary.PromptBytes, summary.MaxTokens, registry.Scheduler.Options, summary.Tenant);
        var active = new List<Attempt>(2);
        var speculated = false;
        Task? backupDue = null;
        var waitingForRoom = false;
        RelayEvent? lastFailure = null;
        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                if (active.Count == 0)
                {
                    var route = await registry.AcquireAsync(work, keyIds, tried, cancellationToken);
                    if (route.Outcome != RouteOutcome.Routed || route.Provider == null || route.Lease == null)
                        throw Refusal(response, summary, route, lastFailure);
                    active.Add(await StartAsync(route, summary, tried, prepare, cancellationToken));
                    // One backup per request, and only while a provider may still be tried.
                    backupDue = !speculated && options.SpeculativeAfter > TimeSpan.Zero && tried.Count < MaxAttempts
                        ? Task.Delay(options.SpeculativeAfter, time, stopTimer.Token)
                        : null;
                    waitingForRoom = false;
                }
                var waits = active.Select(a => (Task)a.First).ToList();
                if (backupDue != null)
                    waits.Add(backupDue);
                var done = await Task.WhenAny(waits);
                if (done == backupDue)
                {
                    backupDue = null;
                    cancellationToken.ThrowIfCancellationRequested();
                    if (await StartBackupAsync(work, summary, keyIds, tried, prepare, active[0], cancellationToken) is { } backup)
                    {
                        active.Add(backup);
                        speculated = true;
                    }
                    else if (!active[0].First.IsCompleted && tried.Count < MaxAttempts)
                    {
                        // No provider had room (or none was there) just now; room may free up, or a provider may
                        // connect, while the first is still silent: look again shortly.
                        if (!waitingForRoom)
                            ApiLog.NoBackupYet(logger, active[0].Relay.Handle, BackupRecheck.TotalMilliseconds);
                        waitingForRoom = true;
                        backupDue = Task.Delay(BackupRecheck, time, stopTimer.Token);
                    }
                    continue;
                }
                var attempt = active.First(a => a.First == done);
                var first = await attempt.First;
                active.Remove(attempt);
                var lease = attempt.Route.Lease!;
                if (first.Kind != RelayEventKind.Failed)
                {
                    // The winner: the other, if any, stops here, so the client is answered (and billed) by one provider.
                    foreach (var other in active)
                    {
                        ApiLog.SpeculationLost(logger, other.Relay.Handle, attempt.Relay.Handle);
                        await AbandonAsync(other);
                    }
                    active.Clear();
                    return Winner(attempt, first);
                }
                if (active.Count > 0)
                {
                    // The other provider is still on it: its answer may yet come.
                    ApiLog.Failed(logger, attempt.Relay.Handle, first.Code ?? "", 0);
                    registry.Scheduler.Complete(lease, ProviderErrors.Outcome(first));
                    lastFailure = first;
                    continue;
                }
                if (ProviderErrors.CanFailOver(first) && tried.Count < MaxAttempts)
                {
                    ApiLog.FailingOver(logger, attempt.Relay.Handle, first.Code ?? "");
                    registry.Scheduler.Complete(lease, ProviderErrors.Outcome(first));
                    lastFailure = first;
                    continue;
                }
                // A failure to pass on: the ingress answers it, and ends the lease by it.
                return Winner(attempt, first);
            }
        }
        catch
        {
            foreach (var attempt in active)
                await AbandonAsync(attempt);
            throw;
        }
        finally
        {
            await stopTimer.CancelAsync();
        }
    }

    /// <summary>How long to wait before looking again for a backup that found no provider with room.</summary>
    private TimeSpan BackupRecheck => options.SpeculativeAfter / 4 > MinimumBackupRecheck ? options.SpeculativeAfter / 4 : MinimumBackupRecheck;

    private Dispatched Winner(Attempt attempt, RelayEvent first)
    {
        var scheduler = registry.Scheduler;
        var lease = attempt.Route.Lease!;
        return new Dispatched(attempt.Relay, first, options.IdleEventTimeout) { OnFinished = outcome => scheduler.Complete(lease, outcome) };
    }

    /// <summary>Sends the request to <paramref name="route"/>'s provider and starts waiting for its first event.</summary>
    private async Task<Attempt> StartAsync(Route route, RequestSummary summary, HashSet<string> tried, Func<Route, JsonElement> prepare, CancellationToken cancellationToken)
    {
        var provider = route.Provider!;
        var lease = route.Lease!;
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
        try
        {
            await provider.SendRequestAsync(relay, envelope, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The socket failed under the send: the request never reached the provider.
            await provider.CancelAsync(relay);
            return new Attempt(route, relay, Task.FromResult(RelayEvent.Failed("provider_disconnected", "The provider disconnected before taking the request.")));
        }
        catch (OperationCanceledException)
        {
            await provider.CancelAsync(relay);
            registry.Scheduler.Complete(lease, LeaseOutcome.Released);
            throw;
        }
        return new Attempt(route, relay, Dispatched.ReadWithin(relay, options.FirstEventTimeout, cancellationToken));
    }

    /// <summary>
    /// A second provider for a request whose first is slow to answer: one not tried yet, holding a key the request
    /// can use (for a sealed request, another of its recipients) and with room now; none (null) otherwise.
    /// </summary>
    private async Task<Attempt?> StartBackupAsync(WorkItem work, RequestSummary summary, IReadOnlyList<string>? keyIds, HashSet<string> tried,
        Func<Route, JsonElement> prepare, Attempt primary, CancellationToken cancellationToken)
    {
        var route = await registry.AcquireAsync(work, keyIds, tried, cancellationToken, wait: false);
        if (route.Outcome != RouteOutcome.Routed || route.Provider == null || route.Lease == null)
            return null;
        if (primary.First.IsCompleted)
        {
            // The first answered while the backup was being chosen: no need for it.
            registry.Scheduler.Complete(route.Lease, LeaseOutcome.Released);
            return null;
        }
        ApiLog.Speculating(logger, primary.Relay.Handle, options.SpeculativeAfter.TotalMilliseconds, route.Provider.ProviderId);
        return await StartAsync(route, summary, tried, prepare, cancellationToken);
    }

    /// <summary>Cancels a provider's work on the request and gives its room back, with no verdict on it.</summary>
    private async Task AbandonAsync(Attempt attempt)
    {
        await attempt.Relay.Provider.CancelAsync(attempt.Relay);
        registry.Scheduler.Complete(attempt.Route.Lease!, LeaseOutcome.Released);
    }

    private ApiException Refusal(HttpResponse response, RequestSummary summary, Route route, RelayEvent? lastFailure)
    {
        if (lastFailure != null)
            return ProviderErrors.ToApi(lastFailure);
        if (route.Outcome is RouteOutcome.Saturated or RouteOutcome.CoolingDown)
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(route.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return route.Outcome switch
        {
            RouteOutcome.UnknownModel => ApiErrors.ModelNotFound(summary.Model),
            RouteOutcome.Untrusted => Untrusted(summary.Model),
            RouteOutcome.Saturated => Saturated(summary.Model),
            RouteOutcome.CoolingDown => CoolingDown(summary.Model),
            _ => NoRecipient(summary.Model),
        };
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
