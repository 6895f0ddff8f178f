using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Umbra.Coordinator.Routing;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Api;

/// <summary>What is served now: the models of live providers, and each model's providers with the keys to seal to.</summary>
internal static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models").AddEndpointFilter(new ApiKeyFilter(rateLimited: false));
        group.MapGet("/", ListModels);
        group.MapGet("/{model}/providers", ListProviders);
        return app;
    }

    private static JsonHttpResult<ModelList> ListModels(ProviderRegistry registry)
    {
        var models = registry.Live().SelectMany(p => p.Models).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(id => new ModelObject(id, 0, "umbra")).ToList();
        return TypedResults.Json(new ModelList(models), OpenAiJson.Context.ModelList);
    }

    private static JsonHttpResult<ModelProviderList> ListProviders(string model, ProviderRegistry registry)
    {
        var providers = registry.Live(model).OrderBy(p => p.ProviderId, StringComparer.Ordinal).ToList();
        if (providers.Count == 0)
            throw ApiErrors.ModelNotFound(model);
        var data = providers.SelectMany(p => p.Keys.Select(k => new ModelProvider(p.ProviderId, k.KeyId, k.PublicKey, k.Suite, p.InFlight)
        {
            Attestation = p.Trust.Bundle is { } bundle ? new ModelProviderAttestation(p.Trust.Level.ToWireName(), bundle, p.Trust.BundleHash) : null,
            Loaded = p.IsLoaded(model),
        })).ToList();
        return TypedResults.Json(new ModelProviderList(model, data), ApiJsonContext.Default.ModelProviderList);
    }
}
