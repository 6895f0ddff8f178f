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

    private static async Task ConnectAsync(HttpContext context, HubEndpoint hub, Hosting.CoordinatorOptions options)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            throw new ApiException(400, $"{Path} is the provider hub: open it as a WebSocket.", null, "websocket_required");
        if (options.ProviderToken is { Length: > 0 } token && !TokenMatches(context.Request.Headers.Authorization.ToString(), token))
            throw new ApiException(401, "Joining the provider hub needs the coordinator's provider token (Authorization: Bearer <token>).", null, "invalid_provider_token");
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await hub.RunAsync(socket, context.RequestAborted);
    }

    private static bool TokenMatches(string header, string token)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        var expected = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
        // Hashing first makes the comparison constant-time regardless of the lengths involved.
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
