using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.Hosting;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Admin;

/// <summary>Administration: API keys (create, the secret shown once; list; revoke), and loading a model ahead of demand.</summary>
internal static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app, CoordinatorOptions options)
    {
        var group = app.MapGroup("/admin/keys").AddEndpointFilter(new AdminTokenFilter(options.AdminToken));
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapDelete("/{id:guid}", RevokeAsync);
        app.MapPost("/admin/models/{model}/load", ModelLoadApi.LoadAsync).AddEndpointFilter(new AdminTokenFilter(options.AdminToken));
        return app;
    }

    private static async Task<JsonHttpResult<AdminKeyView>> CreateAsync(CreateKeyRequest? request, ApiKeyService keys, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Name))
            throw ApiException.BadParam("name", "A key needs a name: send {\"name\": \"...\"}.");
        CreatedApiKey created;
        try
        {
            created = await keys.CreateAsync(request.Name, request.Owner, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new ApiException(400, e.Message, e.ParamName, "invalid_value");
        }
        return TypedResults.Json(AdminKeyView.From(created.Key, created.Secret), AdminJsonContext.Default.AdminKeyView, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<JsonHttpResult<AdminKeyList>> ListAsync(string? owner, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var list = await keys.ListAsync(owner, cancellationToken);
        return TypedResults.Json(new AdminKeyList([.. list.Select(r => AdminKeyView.From(r))]), AdminJsonContext.Default.AdminKeyList);
    }

    private static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid id, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
}
