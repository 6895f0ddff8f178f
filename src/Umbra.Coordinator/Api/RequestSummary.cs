namespace Umbra.Coordinator.Api;

/// <summary>The routing metadata of one request, which is all the coordinator logs about it.</summary>
internal sealed record RequestSummary(string Ingress, string Endpoint, string Model, bool Stream);
