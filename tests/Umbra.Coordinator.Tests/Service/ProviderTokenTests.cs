using System.Net;
using System.Net.WebSockets;
using Umbra.Coordinator.Hosting;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Service;

/// <summary>With a provider token, only providers that present it can join the hub (and so be sent prompts).</summary>
public sealed class ProviderTokenTests
{
    private const string Token = "provider-token-0123456789abcdef";

    [Fact]
    public async Task A_provider_with_the_token_joins_and_serves()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.ProviderToken = Token);
        await using var provider = await TestProvider.StartAsync(coordinator, "p1", token: Token);
        Assert.True(provider.Client.IsConnected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-0123456789abcdef")]
    [InlineData("Basic cHJvdmlkZXI6dG9rZW4=")]
    public async Task A_socket_without_the_token_is_refused_before_the_upgrade(string? authorization)
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.ProviderToken = Token);
        using var socket = new ClientWebSocket();
        if (authorization != null) socket.Options.SetRequestHeader("Authorization", authorization);
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(coordinator.HubUri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public void A_coordinator_beyond_loopback_without_a_provider_token_refuses_to_start()
    {
        var options = new CoordinatorOptions { Address = IPAddress.Any, Port = 0, DataDirectory = Path.GetTempPath() };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("ProviderToken", e.Message, StringComparison.Ordinal);
        options.ProviderToken = "short";
        Assert.Contains("at least 16 characters", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }
}
