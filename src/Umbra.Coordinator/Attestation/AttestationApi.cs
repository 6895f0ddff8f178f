using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Hub;
using Umbra.Coordinator.Routing;
using Umbra.Protocol.Attestation;

namespace Umbra.Coordinator.Attestation;

/// <summary>
/// GET /v1/providers/attestation: public and unauthenticated, so anyone can check every active provider's
/// evidence for themselves rather than take the coordinator's word (docs/ATTESTATION.md).
/// </summary>
internal static class AttestationApi
{
    public const string Path = "/v1/providers/attestation";

    public static IEndpointRouteBuilder MapAttestationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, List);
        return app;
    }

    private static JsonHttpResult<AttestationList> List(ProviderRegistry registry, CoordinatorOptions options)
    {
        var data = registry.Connected().OrderBy(p => p.ProviderId, StringComparer.Ordinal).Select(p => View(p, options.MinimumTrust)).ToList();
        return TypedResults.Json(new AttestationList(options.MinimumTrust.ToWireName(), data), AttestationJsonContext.Default.AttestationList);
    }

    internal static ProviderAttestationView View(ProviderSession p, TrustLevel minimum)
    {
        var trust = p.Trust;
        var challenge = trust.LastChallenge is { } c ? new ChallengeView(c.At, c.Passed, c.Detail, Math.Round(c.RoundTripMs, 3)) : null;
        return new ProviderAttestationView(p.ProviderId, p.IsRoutable(minimum), trust.Level.ToWireName(), trust.Bundle != null,
            trust.Bundle, trust.BundleHash, trust.EvidenceKind, p.Models, [.. p.Keys.Select(k => k.KeyId)], challenge);
    }
}
