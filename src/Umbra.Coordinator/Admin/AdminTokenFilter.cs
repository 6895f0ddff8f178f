using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Umbra.Coordinator.Api;
using Umbra.Protocol.OpenAi;

namespace Umbra.Coordinator.Admin;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;admin token&gt;</c>. Both sides are hashed first so the comparison
/// is constant-time whatever the lengths; with no token configured the admin API is off.
/// </summary>
internal sealed class AdminTokenFilter(string? adminToken) : IEndpointFilter
{
    private readonly byte[]? _expected = string.IsNullOrEmpty(adminToken) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(adminToken));

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected == null)
            throw new ApiException(403, "The admin API is off: start the coordinator with an admin token to use it.", null, "admin_disabled");
        var presented = ApiKeyFilter.BearerToken(context.HttpContext.Request);
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""));
        if (presented == null || !CryptographicOperations.FixedTimeEquals(actual, _expected))
            throw new ApiException(401, "Missing or incorrect admin token. Send it in the Authorization header as 'Bearer <token>'.", null, "invalid_admin_token");
        return next(context);
    }
}
