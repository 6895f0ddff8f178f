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

    /// <summary>Where requests go and when; fed the providers' comings, goings and heartbeats from here.</summary>
    public Scheduler Scheduler { get; } = new(scheduling ?? new SchedulerOptions(), time);

    public IReadOnlyCollection<ProviderSession> All => [.. _providers.Values];

    /// <summary>Adds a provider; an older connection under the same id is dropped, since only the newest can be live.</summary>
    public void Add(ProviderSession session)
    {
        ProviderSession? replaced = null;
        _providers.AddOrUpdate(session.ProviderId, session, (_, old) =>
        {
            replaced = old;
            return session;
        });
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
        if (_providers.TryRemove(new KeyValuePair<string, ProviderSession>(session.ProviderId, session)))
            Scheduler.Disconnected(session.ProviderId);
    }

    /// <summary>Connected providers heard from within the provider timeout, routable or not (the attestation listing).</summary>
    public IEnumerable<ProviderSession> Connected()
    {
        var now = time.GetTimestamp();
        return _providers.Values.Where(p => time.GetElapsedTime(p.LastSeenTimestamp, now) <= providerTimeout);
    }

    /// <summary>Live providers: heard from within the provider timeout and passing their challenges at the minimum trust level.</summary>
    public IEnumerable<ProviderSession> Live() => Connected().Where(p => p.IsRoutable(minimumTrust));

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
            if (!Live().Any(p => p.Serves(model)))
                return new Route(Connected().Any(p => p.Serves(model)) ? RouteOutcome.Untrusted : RouteOutcome.UnknownModel);
            if (!Eligible(model, keyIds, exclude).Any())
                return new Route(RouteOutcome.NoRecipient);
            var ticket = Scheduler.Submit(work, () => Eligible(model, keyIds, exclude).Select(p => p.ProviderId));
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

    /// <summary>Live providers of the model, not yet tried, holding a key the request can use.</summary>
    private IEnumerable<ProviderSession> Eligible(string model, IReadOnlyList<string>? keyIds, IReadOnlySet<string>? exclude) =>
        Live().Where(p => p.Serves(model) && exclude?.Contains(p.ConnectionId) != true && KeyOf(p, keyIds) != null);

    private static ProviderKey? KeyOf(ProviderSession provider, IReadOnlyList<string>? keyIds) =>
        keyIds == null ? (provider.Keys.Count > 0 ? provider.Keys[0] : null) : keyIds.Select(provider.FindKey).FirstOrDefault(k => k != null);
}
