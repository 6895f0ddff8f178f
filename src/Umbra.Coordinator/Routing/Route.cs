using Umbra.Coordinator.Hub;

namespace Umbra.Coordinator.Routing;

/// <summary>
/// The provider chosen for a request, the key it will open it with and the scheduler's lease on its room: all
/// set when <see cref="Outcome"/> is Routed. <see cref="RetryAfter"/> goes with Saturated and CoolingDown.
/// </summary>
internal sealed record Route(RouteOutcome Outcome, ProviderSession? Provider = null, ProviderKey? Key = null, Lease? Lease = null, TimeSpan RetryAfter = default);
