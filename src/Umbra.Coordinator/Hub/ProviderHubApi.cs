using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Hub;

/// <summary>The provider hub: providers dial in over a WebSocket (no API key; a provider is not a consumer).</summary>
internal static class ProviderHubApi
{
    public const string Path = "/v1/providers/connect";

    public static IEndpointRouteBuilder MapProviderHubApi(this IEndpointRouteBuilder app)
    {
        app.Map(Path, ConnectAsync);
        return app;
    }

    private static async Task ConnectAsync(HttpContext context, HubEndpoint hub)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            throw new ApiException(400, $"{Path} is the provider hub: open it as a WebSocket.", null, "websocket_required");
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await hub.RunAsync(socket, context.RequestAborted);
    }
}
