using System.Globalization;
using Microsoft.AspNetCore.Http;
using Umbra.Coordinator.ApiKeys;
using Umbra.Coordinator.RateLimiting;

namespace Umbra.Coordinator.Api;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;API key&gt;</c> and, on the inference endpoints, admits the request
/// under the key's rate limit. The key's record is left in <see cref="HttpContext.Items"/> for the handler.
/// </summary>
internal sealed class ApiKeyFilter(bool rateLimited) : IEndpointFilter
{
    public const string ItemKey = "umbra.api_key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var presented = BearerToken(http.Request);
        if (presented == null)
            throw ApiErrors.Unauthorized("You didn't provide an API key. Send it in the Authorization header as 'Bearer <key>'.");
        var keys = http.RequestServices.GetService(typeof(ApiKeyService)) as ApiKeyService
            ?? throw new InvalidOperationException("ApiKeyService is not registered.");
        var record = await keys.AuthenticateAsync(presented, http.RequestAborted)
            ?? throw ApiErrors.Unauthorized("Incorrect or revoked API key provided.");
        if (rateLimited && http.RequestServices.GetService(typeof(KeyRateLimiter)) is KeyRateLimiter limiter)
        {
            var decision = limiter.TryAcquire(record.Id);
            if (!decision.Allowed)
            {
                http.Response.Headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                throw new Protocol.OpenAi.ApiException(429,
                    $"Rate limit reached for this API key. Retry after {decision.RetryAfterSeconds} s.", null, "rate_limit_exceeded", "requests");
            }
        }
        http.Items[ItemKey] = record;
        return await next(context);
    }

    /// <summary>
    /// The tenant of an authenticated request, for turns in the scheduler's queue: the key's owner (one owner's
    /// keys share a turn), or the key's id when it names no owner; null when no key was checked.
    /// </summary>
    public static string? TenantOf(HttpContext http) =>
        http.Items[ItemKey] is ApiKeys.ApiKeyRecord record ? record.Owner is { Length: > 0 } owner ? "owner:" + owner : "key:" + record.Id.ToString("N") : null;

    /// <summary>The token of a Bearer authorization header; null when there is none.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return null;
        var token = header[Scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
