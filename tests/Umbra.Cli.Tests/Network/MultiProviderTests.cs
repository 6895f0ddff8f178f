using System.Text;
using OpenAI.Chat;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Network;

/// <summary>
/// A coordinator and two providers as separate processes: both serve, load spreads, and killing the provider
/// that is streaming gives the client a clear error (never a hang) while the survivor keeps serving.
/// The model (<see cref="SlowModel"/>) is slow enough that a stream is still running when its provider is killed.
/// </summary>
public sealed class MultiProviderTests(SlowModel model) : IClassFixture<SlowModel>, IAsyncLifetime
{
    private ProviderNetwork _net = null!;

    public async Task InitializeAsync() => _net = await ProviderNetwork.StartAsync(model, 2);

    public async Task DisposeAsync() => await _net.DisposeAsync();

    [Fact]
    public async Task Two_providers_serve_and_a_killed_one_fails_its_stream_cleanly_while_the_other_serves_on()
    {
        for (int i = 0; i < 4; i++)
        {
            var answer = (await _net.Chat.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 })).Value;
            Assert.Equal(4, answer.Usage.OutputTokenCount);
        }

        // A long stream; once it flows, find the provider carrying it and kill that process outright.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{_net.Endpoint}/completions"))
        {
            Content = new StringContent("""{"model":"slow","prompt":"abc","max_tokens":3000,"temperature":0,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var response = await _net.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: {", await reader.ReadLineAsync(), StringComparison.Ordinal);
        var busy = (await _net.ListAsync()).Single(p => p.InFlight > 0).Id;
        _net.Signal(busy, PosixSignals.KillNow);

        // The client learns of it in-band and the stream ends: no hang, no silent cut.
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("\"error\"", rest, StringComparison.Ordinal);

        var survivor = (await _net.Chat.CompleteChatAsync([new UserChatMessage("still there?")], new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 })).Value;
        Assert.Equal(4, survivor.Usage.OutputTokenCount);
        Assert.Single(await _net.ListAsync());
    }
}
