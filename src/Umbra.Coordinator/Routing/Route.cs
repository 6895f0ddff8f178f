using Umbra.Coordinator.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>The provider chosen for a request and the key it will open it with; both set when <see cref="Outcome"/> is Routed.</summary>
internal sealed record Route(RouteOutcome Outcome, ProviderSession? Provider = null, ProviderKey? Key = null);
