using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Service;

public sealed class AuthTests
{
    private const string Chat = """{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Missing_or_wrong_api_key_is_401_invalid_api_key()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = coordinator.BaseAddress };

        using var missing = await anonymous.PostAsync("/v1/chat/completions", Json(Chat));
        using var wrong = await coordinator.Client("umbra_not_a_real_key").PostAsync("/v1/chat/completions", Json(Chat));
        using var models = await anonymous.GetAsync("/v1/models");

        await SealedIngressTests.AssertError(missing, HttpStatusCode.Unauthorized, "invalid_api_key");
        await SealedIngressTests.AssertError(wrong, HttpStatusCode.Unauthorized, "invalid_api_key");
        await SealedIngressTests.AssertError(models, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = coordinator.BaseAddress };

        using var health = await anonymous.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Rate_limited_key_gets_429_with_retry_after()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o =>
        {
            o.RateLimitPerSecond = 0.01;
            o.RateLimitBurst = 2;
        });
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        var client = coordinator.Client();

        using var first = await client.PostAsync("/v1/chat/completions", Json(Chat));
        using var second = await client.PostAsync("/v1/chat/completions", Json(Chat));
        using var third = await client.PostAsync("/v1/chat/completions", Json(Chat));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await SealedIngressTests.AssertError(third, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Admin_creates_lists_and_revokes_keys()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        using var admin = new HttpClient { BaseAddress = coordinator.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCoordinator.AdminToken);

        using var created = await admin.PostAsync("/admin/keys", Json("""{"name":"alice laptop","owner":"alice"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var createdBody = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var secret = createdBody.RootElement.GetProperty("key").GetString()!;
        var id = createdBody.RootElement.GetProperty("id").GetString()!;
        Assert.StartsWith("umbra_", secret, StringComparison.Ordinal);

        using var ok = await coordinator.Client(secret).PostAsync("/v1/chat/completions", Json(Chat));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        var list = await admin.GetStringAsync("/admin/keys");
        Assert.Contains("alice laptop", list, StringComparison.Ordinal);
        // The secret is shown once, at creation, and never listed.
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        using var revoked = await admin.DeleteAsync($"/admin/keys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var refused = await coordinator.Client(secret).PostAsync("/v1/chat/completions", Json(Chat));
        await SealedIngressTests.AssertError(refused, HttpStatusCode.Unauthorized, "invalid_api_key");
        using var again = await admin.DeleteAsync($"/admin/keys/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Admin_api_requires_the_admin_token()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        using var stranger = new HttpClient { BaseAddress = coordinator.BaseAddress };
        var apiKeyHolder = coordinator.Client();

        using var none = await stranger.GetAsync("/admin/keys");
        using var apiKeyInstead = await apiKeyHolder.GetAsync("/admin/keys");

        await SealedIngressTests.AssertError(none, HttpStatusCode.Unauthorized, "invalid_admin_token");
        await SealedIngressTests.AssertError(apiKeyInstead, HttpStatusCode.Unauthorized, "invalid_admin_token");
    }

    [Fact]
    public async Task Admin_api_is_off_without_a_token()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.AdminToken = null);
        using var client = new HttpClient { BaseAddress = coordinator.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCoordinator.AdminToken);

        using var response = await client.GetAsync("/admin/keys");

        await SealedIngressTests.AssertError(response, HttpStatusCode.Forbidden, "admin_disabled");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
