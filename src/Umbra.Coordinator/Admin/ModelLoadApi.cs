using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Umbra.Coordinator.Api;
using Umbra.Coordinator.Routing;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Admin;

/// <summary>
/// POST /admin/models/{model}/load: asks live providers that unloaded the model while idle to load it now, ahead
/// of the demand the operator expects (docs/SCHEDULING.md, "Models"). Without a body every such provider is
/// asked; {"providers": n} asks at most n.
/// </summary>
internal static class ModelLoadApi
{
    public static async Task<JsonHttpResult<ModelLoadResult>> LoadAsync(string model, HttpRequest request, ProviderRegistry registry, CancellationToken cancellationToken)
    {
        var limit = await LimitAsync(request, cancellationToken);
        var providers = registry.Live(model).OrderBy(p => p.ProviderId, StringComparer.Ordinal).ToList();
        if (providers.Count == 0)
            throw ApiErrors.ModelNotFound(model);
        var asked = new List<string>();
        var loaded = new List<string>();
        foreach (var provider in providers)
        {
            if (provider.IsLoaded(model) != false)
            {
                loaded.Add(provider.ProviderId);
                continue;
            }
            if (asked.Count >= limit)
                continue;
            try
            {
                await provider.SendLoadAsync(model, cancellationToken);
                asked.Add(provider.ProviderId);
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // Its connection went while asking: it is out of routing anyway.
            }
        }
        return TypedResults.Json(new ModelLoadResult(model, asked, loaded), AdminJsonContext.Default.ModelLoadResult);
    }

    private static async Task<int> LimitAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || (request.ContentLength == null && !request.HasJsonContentType()))
            return int.MaxValue;
        ModelLoadRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync(AdminJsonContext.Default.ModelLoadRequest, cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            throw ApiException.BadParam("providers", "The body must be JSON like {\"providers\": 2}, or empty to ask every provider that unloaded the model.");
        }
        if (body?.Providers is not { } n)
            return int.MaxValue;
        if (n < 1)
            throw new ApiException(400, $"providers must be at least 1; got {n}.", "providers", "invalid_value");
        return n;
    }
}
