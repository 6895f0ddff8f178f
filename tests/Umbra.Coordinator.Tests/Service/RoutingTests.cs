using System.Net;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

public sealed class RoutingTests
{
    [Fact]
    public async Task Load_spreads_over_providers_of_the_model()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var a = await TestProvider.StartAsync(coordinator, "pa");
        await using var b = await TestProvider.StartAsync(coordinator, "pb");
        await coordinator.WaitForProvidersAsync(2);
        var client = coordinator.Client();

        for (var i = 0; i < 6; i++)
        {
            // Sealed to both, so either may serve it; the coordinator picks.
            var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: [a.PublicKey, b.PublicKey]);
            using var pending = request.PendingResponse;
            using var response = await SealedClient.PostAsync(client, "/v1/chat/completions", request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, a.Handler.Requests);
        Assert.Equal(3, b.Handler.Requests);
    }

    [Fact]
    public async Task Draining_provider_is_failed_over_before_content_and_alone_gives_503()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var draining = await TestProvider.StartAsync(coordinator, "draining");
        await using var healthy = await TestProvider.StartAsync(coordinator, "healthy");
        await coordinator.WaitForProvidersAsync(2);
        draining.Handler.Behavior = ProviderBehavior.Draining;
        var client = coordinator.Client();

        for (var i = 0; i < 4; i++)
        {
            var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: [draining.PublicKey, healthy.PublicKey]);
            using var pending = request.PendingResponse;
            using var response = await SealedClient.PostAsync(client, "/v1/chat/completions", request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var onlyDraining = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: draining.PublicKey);
        using var onlyPending = onlyDraining.PendingResponse;
        using var refused = await SealedClient.PostAsync(client, "/v1/chat/completions", onlyDraining);

        Assert.Equal(4, healthy.Handler.Requests);
        Assert.True(draining.Handler.Requests >= 2, $"the draining provider was tried {draining.Handler.Requests} times");
        await SealedIngressTests.AssertError(refused, HttpStatusCode.ServiceUnavailable, "provider_draining");
    }

    [Fact]
    public async Task Busy_provider_is_passed_over_for_an_idle_one()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var a = await TestProvider.StartAsync(coordinator, "pa");
        await using var b = await TestProvider.StartAsync(coordinator, "pb");
        await coordinator.WaitForProvidersAsync(2);
        a.Handler.Behavior = ProviderBehavior.StallAfterFirstChunk;
        b.Handler.Behavior = ProviderBehavior.StallAfterFirstChunk;
        var client = coordinator.Client();

        var first = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: [a.PublicKey, b.PublicKey]);
        using var firstResponse = await SealedClient.PostAsync(client, "/v1/chat/completions", first, HttpCompletionOption.ResponseHeadersRead);
        var busy = a.Handler.Requests == 1 ? a : b;
        var idle = ReferenceEquals(busy, a) ? b : a;
        idle.Handler.Behavior = ProviderBehavior.Answer;
        var second = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: [a.PublicKey, b.PublicKey]);
        using var secondResponse = await SealedClient.PostAsync(client, "/v1/chat/completions", second);

        Assert.Equal(HttpStatusCode.OK, secondResponse.StatusCode);
        Assert.Equal(1, idle.Handler.Requests);
        Assert.Equal(1, busy.Handler.Requests);
        first.PendingResponse.Dispose();
        second.PendingResponse.Dispose();
    }

    [Fact]
    public async Task Provider_killed_mid_stream_gives_the_client_an_error_and_the_survivor_keeps_serving()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var doomed = await TestProvider.StartAsync(coordinator, "doomed");
        await using var survivor = await TestProvider.StartAsync(coordinator, "survivor");
        await coordinator.WaitForProvidersAsync(2);
        doomed.Handler.Behavior = ProviderBehavior.StallAfterFirstChunk;
        var client = coordinator.Client();

        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: doomed.PublicKey);
        using var pending = request.PendingResponse;
        using var response = await SealedClient.PostAsync(client, "/v1/chat/completions", request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var data in Sse.ReadDataAsync(await response.Content.ReadAsStreamAsync()))
                events.Add(data);
        });
        await doomed.Handler.FirstChunkSent.Task.WaitAsync(TestTimeouts.Request);
        await doomed.KillAsync();

        await reading.WaitAsync(TestTimeouts.Request);
        Assert.Equal(2, events.Count);
        Assert.DoesNotContain("[DONE]", events);
        using (var error = JsonDocument.Parse(events[1]))
        {
            // Lost socket, or the provider's own last word if its cancel raced the abort: either way an error, in band.
            var code = error.RootElement.GetProperty("error").GetProperty("code").GetString();
            Assert.Contains(code, new[] { "provider_disconnected", "provider_shutdown", "provider_error" });
        }
        using var opener = pending.CreateOpener();
        opener.Open(SealedChunk.Parse(Encoding.UTF8.GetBytes(events[0])));
        Assert.ThrowsAny<SealingException>(opener.EnsureComplete);

        await coordinator.WaitForProvidersAsync(1);
        var next = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: [doomed.PublicKey, survivor.PublicKey]);
        using var nextPending = next.PendingResponse;
        using var nextResponse = await SealedClient.PostAsync(client, "/v1/chat/completions", next);
        Assert.Equal(HttpStatusCode.OK, nextResponse.StatusCode);
        Assert.Equal(1, survivor.Handler.Requests);
    }

    [Fact]
    public async Task Client_that_goes_away_gets_its_request_cancelled_at_the_provider()
    {
        await using var coordinator = await TestCoordinator.StartAsync();
        await using var provider = await TestProvider.StartAsync(coordinator, "p1");
        provider.Handler.Behavior = ProviderBehavior.StallAfterFirstChunk;
        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: provider.PublicKey);
        using var pending = request.PendingResponse;

        var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request, HttpCompletionOption.ResponseHeadersRead);
        await provider.Handler.FirstChunkSent.Task.WaitAsync(TestTimeouts.Request);
        // Dropping an unfinished response closes the connection: the client is gone.
        response.Dispose();

        await provider.Handler.Cancelled.Task.WaitAsync(TestTimeouts.Request);
        Assert.Contains(coordinator.Logs.Lines, l => l.Contains("cancelled on provider p1", StringComparison.Ordinal));
    }
}
