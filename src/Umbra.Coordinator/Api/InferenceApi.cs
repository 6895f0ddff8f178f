using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Umbra.Coordinator.Api.Responses;
using Umbra.Protocol.OpenAi;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Api;

/// <summary>
/// The OpenAI-compatible inference endpoints. A body of type <c>application/umbra-sealed+json</c> is a sealed
/// envelope and is relayed blind; anything else is plain ingress, sealed here.
/// </summary>
internal static class InferenceApi
{
    public static IEndpointRouteBuilder MapInferenceApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").AddEndpointFilter(new ApiKeyFilter(rateLimited: true));
        group.MapPost("/chat/completions", ChatCompletionsAsync);
        group.MapPost("/completions", CompletionsAsync);
        group.MapPost("/responses", ResponsesAsync);
        return app;
    }

    private static Task ChatCompletionsAsync(HttpContext context, SealedIngress sealedIngress, PlainIngress plainIngress) =>
        IsSealed(context.Request)
            ? sealedIngress.HandleAsync(context, RequestEndpoints.ChatCompletions)
            : plainIngress.HandleAsync(context, RequestEndpoints.ChatCompletions);

    private static Task CompletionsAsync(HttpContext context, SealedIngress sealedIngress, PlainIngress plainIngress) =>
        IsSealed(context.Request)
            ? sealedIngress.HandleAsync(context, RequestEndpoints.Completions)
            : plainIngress.HandleAsync(context, RequestEndpoints.Completions);

    private static Task ResponsesAsync(HttpContext context, ResponsesIngress responses) =>
        IsSealed(context.Request)
            ? throw new ApiException(400,
                "Sealed requests are not accepted on /v1/responses yet; seal a chat.completions or completions request and send it to /v1/chat/completions or /v1/completions.",
                null, "sealed_responses_unsupported")
            : responses.HandleAsync(context);

    private static bool IsSealed(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals(SealedIngress.ContentType, StringComparison.OrdinalIgnoreCase);
}
