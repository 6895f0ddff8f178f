using System.Net;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Tests.Service;

public sealed class SpeculativeDispatchTests
{
    private static readonly TimeSpan SpeculativeAfter = TimeSpan.FromMilliseconds(200);

    // Long enough that only a cancel ends it within a test's time.
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    private const string PlainChat = """{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Slow_provider_is_overtaken_by_a_backup_and_cancelled_for_a_plain_request()
    {
        await using var pair = await TwoProvidersAsync(SpeculativeAfter);
        var (coordinator, client, slow, fast) = (pair.Coordinator, pair.Client, pair.Slow, pair.Fast);
        slow.Handler.FirstChunkDelay = Slow;
        slow.Handler.PromptTokens = 100;

        using var response = await PostPlainAsync(client, PlainChat);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fast.Id, Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        using (var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Hello from " + fast.Id, body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            // Usage is the winner's alone.
            Assert.Equal(3, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        }
        await slow.Handler.Cancelled.Task.WaitAsync(TestTimeouts.Request);
        Assert.Equal(1, slow.Handler.Requests);
        Assert.Contains(coordinator.Logs.Lines, l => l.Contains("starting a backup on provider " + fast.Id, StringComparison.Ordinal));
        // Billed once: one completion for the warm-up and one for this request, neither the loser's.
        Assert.Equal(2, coordinator.Logs.Lines.Count(l => l.Contains(": completed,", StringComparison.Ordinal)));
        Assert.DoesNotContain(coordinator.Logs.Lines, l => l.Contains("100 prompt", StringComparison.Ordinal));
        await AssertRoomGivenBackAsync(coordinator);
    }

    [Fact]
    public async Task Slow_provider_is_overtaken_for_a_plain_stream_opened_with_the_winners_key()
    {
        await using var pair = await TwoProvidersAsync(SpeculativeAfter);
        var (coordinator, client, slow, fast) = (pair.Coordinator, pair.Client, pair.Slow, pair.Fast);
        slow.Handler.FirstChunkDelay = Slow;

        using var response = await PostPlainAsync(client, """{"model":"test-model","messages":[{"role":"user","content":"hi"}],"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fast.Id, Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        var text = new StringBuilder();
        var events = new List<string>();
        await foreach (var data in Sse.ReadDataAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(data);
            if (data == "[DONE]")
                continue;
            using var chunk = JsonDocument.Parse(data);
            if (chunk.RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content))
                text.Append(content.GetString());
        }
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("Hello from " + fast.Id, text.ToString());
        await slow.Handler.Cancelled.Task.WaitAsync(TestTimeouts.Request);
        await AssertRoomGivenBackAsync(coordinator);
    }

    [Fact]
    public async Task Sealed_request_to_two_recipients_is_answered_by_the_faster()
    {
        await using var pair = await TwoProvidersAsync(SpeculativeAfter);
        var (coordinator, client, slow, fast) = (pair.Coordinator, pair.Client, pair.Slow, pair.Fast);
        slow.Handler.FirstChunkDelay = Slow;

        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: false, keys: [slow.PublicKey, fast.PublicKey]);
        using var pending = request.PendingResponse;
        using var response = await SealedClient.PostAsync(client, "/v1/chat/completions", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fast.Id, Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        // The client opens it with the pending response of its own sealing, whichever recipient answered.
        using var opener = pending.CreateOpener();
        var answer = opener.Open(SealedChunk.Parse(await response.Content.ReadAsByteArrayAsync()));
        Assert.Contains("Hello from " + fast.Id, Encoding.UTF8.GetString(answer), StringComparison.Ordinal);
        await slow.Handler.Cancelled.Task.WaitAsync(TestTimeouts.Request);
        await AssertRoomGivenBackAsync(coordinator);
    }

    [Fact]
    public async Task Sealed_request_to_a_single_recipient_never_speculates()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.SpeculativeAfter = SpeculativeAfter);
        await using var slow = await TestProvider.StartAsync(coordinator, "slow");
        await using var other = await TestProvider.StartAsync(coordinator, "other");
        await coordinator.WaitForProvidersAsync(2);
        slow.Handler.FirstChunkDelay = SpeculativeAfter * 4;

        var request = SealedClient.Seal(RequestEndpoints.ChatCompletions, stream: true, keys: slow.PublicKey);
        using var pending = request.PendingResponse;
        using var response = await SealedClient.PostAsync(coordinator.Client(), "/v1/chat/completions", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow", Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        Assert.Equal(0, other.Handler.Requests);
        Assert.DoesNotContain(coordinator.Logs.Lines, l => l.Contains("starting a backup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_speculation_off_a_slow_provider_answers_alone()
    {
        await using var pair = await TwoProvidersAsync(TimeSpan.Zero);
        var (coordinator, client, slow, fast) = (pair.Coordinator, pair.Client, pair.Slow, pair.Fast);
        slow.Handler.FirstChunkDelay = SpeculativeAfter * 4;
        var fastBefore = fast.Handler.Requests;

        using var response = await PostPlainAsync(client, PlainChat);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(slow.Id, Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        Assert.Equal(fastBefore, fast.Handler.Requests);
        Assert.DoesNotContain(coordinator.Logs.Lines, l => l.Contains("starting a backup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backup_that_fails_before_content_leaves_the_first_provider_to_answer()
    {
        await using var pair = await TwoProvidersAsync(SpeculativeAfter);
        var (coordinator, client, slow, failing) = (pair.Coordinator, pair.Client, pair.Slow, pair.Fast);
        slow.Handler.FirstChunkDelay = SpeculativeAfter * 4;
        failing.Handler.Behavior = ProviderBehavior.FailBeforeContent;
        var failingBefore = failing.Handler.Requests;

        using var response = await PostPlainAsync(client, PlainChat);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(slow.Id, Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        Assert.Equal(failingBefore + 1, failing.Handler.Requests);
        await AssertRoomGivenBackAsync(coordinator);
    }

    [Fact]
    public async Task Backup_starts_once_a_full_provider_reports_room_while_the_first_is_still_silent()
    {
        // No heartbeat in the test's time: the capacity the test reports stands until it reports again.
        await using var coordinator = await TestCoordinator.StartAsync(o =>
        {
            o.SpeculativeAfter = SpeculativeAfter;
            o.HeartbeatInterval = TimeSpan.FromHours(1);
            o.ProviderTimeout = TimeSpan.FromHours(2);
        });
        await using var slow = await TestProvider.StartAsync(coordinator, "slow");
        await using var busy = await TestProvider.StartAsync(coordinator, "busy");
        await coordinator.WaitForProvidersAsync(2);
        slow.Handler.FirstChunkDelay = Slow;
        // "busy" says its cache is full, as a heartbeat would: the request goes to "slow", and no backup fits at first.
        ReportCache(coordinator, "busy", used: 4096);

        var answer = PostPlainAsync(coordinator.Client(), PlainChat);
        await WaitForLogAsync(coordinator, "no provider has room for a backup");
        Assert.Equal(0, busy.Handler.Requests);
        ReportCache(coordinator, "busy", used: 0);
        using var response = await answer.WaitAsync(TestTimeouts.Request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("busy", Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        using (var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
            Assert.Equal("Hello from busy", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        await slow.Handler.Cancelled.Task.WaitAsync(TestTimeouts.Request);
        Assert.Single(coordinator.Logs.Lines, l => l.Contains("starting a backup on provider busy", StringComparison.Ordinal));
        // The looks that found no room are logged once, not at every look.
        Assert.Single(coordinator.Logs.Lines, l => l.Contains("no provider has room for a backup", StringComparison.Ordinal));
        Assert.Single(coordinator.Logs.Lines, l => l.Contains(": completed,", StringComparison.Ordinal));
        await AssertRoomGivenBackAsync(coordinator);
    }

    [Fact]
    public async Task Backup_starts_on_a_provider_that_connects_while_the_first_is_still_silent()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.SpeculativeAfter = SpeculativeAfter);
        await using var slow = await TestProvider.StartAsync(coordinator, "slow");
        await coordinator.WaitForProvidersAsync(1);
        slow.Handler.FirstChunkDelay = Slow;

        var answer = PostPlainAsync(coordinator.Client(), PlainChat);
        await WaitForLogAsync(coordinator, "no provider has room for a backup");
        await using var late = await TestProvider.StartAsync(coordinator, "late");
        using var response = await answer.WaitAsync(TestTimeouts.Request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("late", Assert.Single(response.Headers.GetValues("X-Umbra-Provider")));
        await slow.Handler.Cancelled.Task.WaitAsync(TestTimeouts.Request);
        Assert.Equal(1, late.Handler.Requests);
        await AssertRoomGivenBackAsync(coordinator);
    }

    [Fact]
    public async Task Only_one_backup_starts_however_long_the_first_two_stay_silent()
    {
        await using var coordinator = await TestCoordinator.StartAsync(o => o.SpeculativeAfter = SpeculativeAfter);
        await using var a = await TestProvider.StartAsync(coordinator, "pa");
        await using var b = await TestProvider.StartAsync(coordinator, "pb");
        await using var c = await TestProvider.StartAsync(coordinator, "pc");
        await coordinator.WaitForProvidersAsync(3);
        var client = coordinator.Client();
        // After one warm-up the scheduler (no capacity reports) prefers the two providers never sent anything, so the
        // first and the backup are those two, and the warmed one, which answers at once, is what a second backup would find.
        using (var warmUp = await PostPlainAsync(client, PlainChat))
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        TestProvider[] all = [a, b, c];
        var warmed = Assert.Single(all, p => p.Handler.Requests == 1);
        var silent = all.Where(p => p != warmed).ToArray();
        // Silent through many looks (every SpeculativeAfter / 4), then the first answers.
        foreach (var p in silent)
            p.Handler.FirstChunkDelay = SpeculativeAfter * 8;

        using var response = await PostPlainAsync(client, PlainChat);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Assert.Single(response.Headers.GetValues("X-Umbra-Provider")), silent.Select(p => p.Id));
        Assert.Equal(1, warmed.Handler.Requests);
        Assert.All(silent, p => Assert.Equal(1, p.Handler.Requests));
        Assert.Single(coordinator.Logs.Lines, l => l.Contains("starting a backup", StringComparison.Ordinal));
        await AssertRoomGivenBackAsync(coordinator);
    }

    /// <summary>
    /// Makes the next request's first choice deterministic: with no capacity reports the scheduler sends to the
    /// provider given fewer requests, so after one warm-up request the other provider is next. Returns (next, warmed).
    /// </summary>
    private static async Task<(TestProvider Next, TestProvider Warmed)> NextGoesToSlowAsync(HttpClient client, TestProvider a, TestProvider b)
    {
        using var warmUp = await PostPlainAsync(client, PlainChat);
        Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        var served = Assert.Single(warmUp.Headers.GetValues("X-Umbra-Provider"));
        return served == a.Id ? (b, a) : (a, b);
    }

    private static async Task<HttpResponseMessage> PostPlainAsync(HttpClient client, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync("/v1/chat/completions", content);
    }

    /// <summary>Tells the scheduler what <paramref name="provider"/>'s heartbeat would: a 4096-token cache, <paramref name="used"/> of it in use.</summary>
    private static void ReportCache(TestCoordinator coordinator, string provider, int used) =>
        coordinator.Registry.Scheduler.Report(provider, [new ModelCapacity { Id = "test-model", MaxSequences = 4, TokenBudget = 4096, TokensUsed = used }], null);

    private static async Task WaitForLogAsync(TestCoordinator coordinator, string text)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        while (!coordinator.Logs.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            await Task.Delay(10, timeout.Token);
    }

    /// <summary>Every lease ends, the loser's included: nothing stays counted in flight at the scheduler.</summary>
    private static async Task AssertRoomGivenBackAsync(TestCoordinator coordinator)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        while (coordinator.Registry.All.Any(p => p.InFlight > 0 || coordinator.Registry.Scheduler.InFlight(p.ProviderId) > 0))
            await Task.Delay(10, timeout.Token);
    }

    /// <summary>A coordinator with two providers, the next request known to go to <see cref="ProviderPair.Slow"/>.</summary>
    private static async Task<ProviderPair> TwoProvidersAsync(TimeSpan speculativeAfter)
    {
        var coordinator = await TestCoordinator.StartAsync(o => o.SpeculativeAfter = speculativeAfter);
        var a = await TestProvider.StartAsync(coordinator, "pa");
        var b = await TestProvider.StartAsync(coordinator, "pb");
        await coordinator.WaitForProvidersAsync(2);
        var client = coordinator.Client();
        var (slow, fast) = await NextGoesToSlowAsync(client, a, b);
        return new ProviderPair(coordinator, client, slow, fast);
    }

    private sealed record ProviderPair(TestCoordinator Coordinator, HttpClient Client, TestProvider Slow, TestProvider Fast) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Slow.DisposeAsync();
            await Fast.DisposeAsync();
            await Coordinator.DisposeAsync();
        }
    }
}
