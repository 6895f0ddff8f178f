using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>
/// The providers connected now, one live connection per provider id, and the choice among them: the
/// <see cref="Scheduler"/> picks among the live providers of the model that hold a usable key (docs/SCHEDULING.md).
/// </summary>
internal sealed class ProviderRegistry(TimeProvider time, TimeSpan providerTimeout, Umbra.Protocol.Attestation.TrustLevel minimumTrust, ILogger<ProviderRegistry> logger,
    SchedulerOptions? scheduling = null)
{
    private readonly ConcurrentDictionary<string, ProviderSession> _providers = new(StringComparer.Ordinal);
    // Per model, the connections that serve it: copied on write (under _indexGate) so a routing decision reads a
    // snapshot without locking and looks only at the model's providers, not the whole fleet.
    private readonly ConcurrentDictionary<string, ProviderSession[]> _byModel = new(StringComparer.Ordinal);
    private readonly Lock _indexGate = new();

    /// <summary>When a client should come back while every provider of its model is draining (they close, then reconnect or not).</summary>
    private static readonly TimeSpan DrainingRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>Where requests go and when; fed the providers' comings, goings and heartbeats from here.</summary>
    public Scheduler Scheduler { get; } = new(scheduling ?? new SchedulerOptions(), time);

    public IReadOnlyCollection<ProviderSession> All => [.. _providers.Values];

    /// <summary>Adds a provider; an older connection under the same id is dropped, since only the newest can be live.</summary>
    public void Add(ProviderSession session)
    {
        ProviderSession? replaced = null;
        lock (_indexGate)
        {
            _providers.AddOrUpdate(session.ProviderId, session, (_, old) =>
            {
                replaced = old;
                return session;
            });
            if (replaced != null)
                Unindex(replaced);
            foreach (var model in session.Models.Distinct(StringComparer.Ordinal))
                _byModel[model] = [.. Sessions(model), session];
        }
        if (replaced != null && !ReferenceEquals(replaced, session))
        {
            HubLog.Replaced(logger, replaced.ProviderId, replaced.ConnectionId);
            replaced.Abort();
        }
        session.HeartbeatReceived = heartbeat =>
        {
            if (_providers.TryGetValue(session.ProviderId, out var current) && ReferenceEquals(current, session))
                Scheduler.Report(session.ProviderId, heartbeat.Models, heartbeat.Machine);
        };
        Scheduler.Connected(session.ProviderId);
    }

    /// <summary>Removes this connection if it is still the provider's current one.</summary>
    public void Remove(ProviderSession session)
    {
        lock (_indexGate)
        {
            if (!_providers.TryRemove(new KeyValuePair<string, ProviderSession>(session.ProviderId, session)))
                return;
            Unindex(session);
        }
        Scheduler.Disconnected(session.ProviderId);
    }

    private void Unindex(ProviderSession session)
    {
        foreach (var model in session.Models.Distinct(StringComparer.Ordinal))
        {
            var rest = Array.FindAll(Sessions(model), s => !ReferenceEquals(s, session));
            if (rest.Length == 0)
                _byModel.TryRemove(model, out _);
            else
                _byModel[model] = rest;
        }
    }

    /// <summary>The connections serving <paramref name="model"/>, live or not: a snapshot.</summary>
    private ProviderSession[] Sessions(string model) => _byModel.TryGetValue(model, out var sessions) ? sessions : [];

    /// <summary>Connected providers heard from within the provider timeout, routable or not (the attestation listing).</summary>
    public IEnumerable<ProviderSession> Connected()
    {
        var now = time.GetTimestamp();
        return _providers.Values.Where(p => IsConnected(p, now));
    }

    /// <summary>Live providers: heard from within the provider timeout, not draining, and passing their challenges at the minimum trust level.</summary>
    public IEnumerable<ProviderSession> Live()
    {
        var now = time.GetTimestamp();
        return _providers.Values.Where(p => IsLive(p, now));
    }

    /// <summary>Live providers of one model, found through the model index.</summary>
    public IEnumerable<ProviderSession> Live(string model)
    {
        var now = time.GetTimestamp();
        return Sessions(model).Where(p => IsLive(p, now));
    }

    private bool IsConnected(ProviderSession p, long now) => time.GetElapsedTime(p.LastSeenTimestamp, now) <= providerTimeout;

    private bool IsLive(ProviderSession p, long now) => IsConnected(p, now) && !p.IsDraining && p.IsRoutable(minimumTrust);

    /// <summary>
    /// Finds a provider of <paramref name="work"/>'s model for a request, waiting in the model's queue while every
    /// candidate is full. With <paramref name="keyIds"/> (a sealed request's recipients, in the client's order of
    /// preference) only a provider holding one of them qualifies, and that key is the one used; without, any
    /// accepted key of the provider. Connections in <paramref name="exclude"/> were tried already. A routed
    /// request holds a <see cref="Lease"/> that must be completed through <see cref="Scheduler"/>. With
    /// <paramref name="wait"/> false a request that would have to queue is Saturated at once (a speculative
    /// backup is only worth sending to a provider with room now, and must not hold a place in the queue).
    /// </summary>
    public async Task<Route> AcquireAsync(WorkItem work, IReadOnlyList<string>? keyIds, IReadOnlySet<string>? exclude, CancellationToken cancellationToken, bool wait = true)
    {
        var model = work.Model;
        while (true)
        {
            var sessions = Sessions(model);
            var now = time.GetTimestamp();
            if (!sessions.Any(p => IsLive(p, now)))
            {
                // None to route to: because of trust (503 insufficient_trust), because the only ones are
                // draining (429, as when all are full: they take nothing new), or because none serves the model (404).
                if (sessions.Any(p => IsConnected(p, now) && !p.IsDraining))
                    return new Route(RouteOutcome.Untrusted);
                return sessions.Any(p => IsConnected(p, now))
                    ? new Route(RouteOutcome.Saturated, RetryAfter: DrainingRetryAfter)
                    : new Route(RouteOutcome.UnknownModel);
            }
            if (!Eligible(model, keyIds, exclude).Any())
                return new Route(RouteOutcome.NoRecipient);
            var ticket = Scheduler.Submit(work, () => Eligible(model, keyIds, exclude));
            if (ticket.State == TicketState.Queued && !wait)
            {
                Scheduler.Withdraw(ticket, Rejection.Saturated);
            }
            else if (ticket.State == TicketState.Queued)
            {
                try
                {
                    await ticket.Settled.WaitAsync(Scheduler.Options.QueueTimeout, time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    Scheduler.Withdraw(ticket, Rejection.Saturated);
                }
                catch (OperationCanceledException)
                {
                    Scheduler.Withdraw(ticket, Rejection.Abandoned);
                    if (ticket.Lease is { } abandoned)
                        Scheduler.Complete(abandoned, LeaseOutcome.Released);
                    throw;
                }
            }
            if (ticket.Lease is { } lease)
            {
                if (_providers.TryGetValue(lease.ProviderId, out var provider) && KeyOf(provider, keyIds) is { } key)
                    return new Route(RouteOutcome.Routed, provider, key, lease);
                // It went away between admission and now: give the room back and choose again.
                Scheduler.Complete(lease, LeaseOutcome.Released);
                continue;
            }
            return ticket.Rejection switch
            {
                Rejection.CoolingDown => new Route(RouteOutcome.CoolingDown, RetryAfter: ticket.RetryAfter),
                Rejection.NoCandidates => new Route(RouteOutcome.NoRecipient),
                _ => new Route(RouteOutcome.Saturated, RetryAfter: ticket.RetryAfter),
            };
        }
    }

    /// <summary>
    /// The ids of live providers of the model, not yet tried, holding a key the request can use: lazily, from a
    /// random place in the model's list round to the start, so the scheduler's sample of the first few is a
    /// random one and costs no more than the sample.
    /// </summary>
    private IEnumerable<string> Eligible(string model, IReadOnlyList<string>? keyIds, IReadOnlySet<string>? exclude)
    {
        var sessions = Sessions(model);
        var now = time.GetTimestamp();
        foreach (var p in RandomRotation.Of(sessions, Random.Shared))
        {
            if (IsLive(p, now) && exclude?.Contains(p.ConnectionId) != true && KeyOf(p, keyIds) != null)
                yield return p.ProviderId;
        }
    }

    private static ProviderKey? KeyOf(ProviderSession provider, IReadOnlyList<string>? keyIds) =>
        keyIds == null ? (provider.Keys.Count > 0 ? provider.Keys[0] : null) : keyIds.Select(provider.FindKey).FirstOrDefault(k => k != null);
}
