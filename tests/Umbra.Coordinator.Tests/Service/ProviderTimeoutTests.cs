using System.Net;
using System.Text;
using Umbra.Coordinator.Tests.Infrastructure;

namespace Umbra.Coordinator.Tests.Service;

/// <summary>A provider that stays connected but goes quiet cannot hold a client: the request fails and the provider is told to stop.</summary>
public sealed class ProviderTimeoutTests
{
    private const string Chat = """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stream":STREAM}""";

    private static StringContent Body(bool stream) => new(Chat.Replace("STREAM", stream ? "true" : "false", StringComparison.Ordinal), Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_provider_that_never_answers_times_out_with_504_and_is_cancelled()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.FirstEventTimeout = TimeSpan.FromMilliseconds(300));
        await using var provider = await TestProvider.StartAsync(coordinator, "quiet");
        provider.Handler.Behavior = ProviderBehavior.Silent;

        using var response = await coordinator.Client().PostAsync("/v1/chat/completions", Body(stream: false));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("provider_timeout", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await provider.Handler.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_stream_that_goes_quiet_ends_with_an_in_band_error()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.IdleEventTimeout = TimeSpan.FromMilliseconds(300));
        await using var provider = await TestProvider.StartAsync(coordinator, "stalls");
        provider.Handler.Behavior = ProviderBehavior.StallAfterFirstChunk;

        using var response = await coordinator.Client().PostAsync("/v1/chat/completions", Body(stream: true));
        var text = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("provider_timeout", text, StringComparison.Ordinal);
        await provider.Handler.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
