using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Umbra.Coordinator.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>
/// The providers connected now, one live connection per provider id, and the choice among them: the least
/// loaded (requests in flight here) live provider of the model that holds a usable key.
/// </summary>
internal sealed class ProviderRegistry(TimeProvider time, TimeSpan providerTimeout, Umbra.Protocol.Attestation.TrustLevel minimumTrust, ILogger<ProviderRegistry> logger)
{
    private readonly ConcurrentDictionary<string, ProviderSession> _providers = new(StringComparer.Ordinal);

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
    }

    /// <summary>Removes this connection if it is still the provider's current one.</summary>
    public void Remove(ProviderSession session) =>
        _providers.TryRemove(new KeyValuePair<string, ProviderSession>(session.ProviderId, session));

    /// <summary>Connected providers heard from within the provider timeout, routable or not (the attestation listing).</summary>
    public IEnumerable<ProviderSession> Connected()
    {
        var now = time.GetTimestamp();
        return _providers.Values.Where(p => time.GetElapsedTime(p.LastSeenTimestamp, now) <= providerTimeout);
    }

    /// <summary>Live providers: heard from within the provider timeout and passing their challenges at the minimum trust level.</summary>
    public IEnumerable<ProviderSession> Live() => Connected().Where(p => p.IsRoutable(minimumTrust));

    /// <summary>
    /// Picks a provider of <paramref name="model"/>. With <paramref name="keyIds"/> (a sealed request's recipients,
    /// in the client's order of preference) only a provider holding one of them qualifies, and that key is the one
    /// used; without, any accepted key of the provider. Providers in <paramref name="exclude"/> were tried already.
    /// </summary>
    public Route Pick(string model, IReadOnlyList<string>? keyIds, IReadOnlySet<string>? exclude = null)
    {
        var serving = Live().Where(p => p.Serves(model)).ToList();
        if (serving.Count == 0)
            return new Route(Connected().Any(p => p.Serves(model)) ? RouteOutcome.Untrusted : RouteOutcome.UnknownModel);
        ProviderSession? best = null;
        ProviderKey? bestKey = null;
        foreach (var provider in serving)
        {
            if (exclude?.Contains(provider.ConnectionId) == true)
                continue;
            var key = keyIds == null ? (provider.Keys.Count > 0 ? provider.Keys[0] : null) : keyIds.Select(provider.FindKey).FirstOrDefault(k => k != null);
            if (key == null)
                continue;
            if (best == null || provider.InFlight < best.InFlight || (provider.InFlight == best.InFlight && provider.Assigned < best.Assigned))
            {
                best = provider;
                bestKey = key;
            }
        }
        return best == null ? new Route(RouteOutcome.NoRecipient) : new Route(RouteOutcome.Routed, best, bestKey);
    }
}
