using System.Text.RegularExpressions;
using Umbra.Cli.Tests.Support;

namespace Umbra.Cli.Tests.Network;

/// <summary>
/// Scheduling under faults with real processes: a coordinator and two providers, frozen (SIGSTOP), thawed and
/// killed at chosen moments. Stopping both providers before a request makes its placement observable: the
/// coordinator lists the request in flight on the one it chose (and logs that routing), which has said nothing yet.
///
/// Whether a provider really stopped work the coordinator cancelled is proved on the provider itself: each runs
/// one sequence at a time (--max-sequences 1), so a new stream that gets its first token there proves nothing
/// else runs there any more; and the cancelled request never appears among the requests it logs as served.
/// </summary>
public sealed partial class FailoverTests(SlowModel model) : IClassFixture<SlowModel>
{
    // One sequence at a time, and a cache for one long request: a second long request goes to the other provider.
    private static readonly string[] OneSequence = ["--max-sequences", "1", "--kv-tokens", "4096"];
    private static readonly string[] NoSpeculation = ["--speculate-after", "0"];
    private static readonly string[] SpeculateAfter2s = ["--speculate-after", "2"];
    private const string Prompt = "Tell me a story.";
    private const int ShortAnswer = 24;

    // Long enough (at tens of milliseconds a token) that only a cancel ends it within a test's time.
    private const int LongAnswer = 3000;

    [GeneratedRegex(@"Handle (?<handle>h_\w+): completed, \d+ chunks, (?<prompt>\d+) prompt and (?<completion>\d+) completion tokens\.")]
    private static partial Regex Completed();

    [GeneratedRegex(@"Handle (?<handle>h_\w+): \S+ \S+ request for \S+ \(stream \w+\) routed to provider (?<provider>\S+)\.")]
    private static partial Regex Routed();

    [GeneratedRegex(@"Handle h_\w+: failing over to another provider after provider_disconnected\.")]
    private static partial Regex FailedOver();

    [GeneratedRegex(@"starting a backup on provider (?<provider>\S+)\.")]
    private static partial Regex BackupStarted();

    private static Regex CancelledOn(string provider) => new($@"Handle (?<handle>h_\w+) cancelled on provider {Regex.Escape(provider)}: ");

    [Fact]
    public async Task A_provider_killed_before_its_first_content_is_replaced_without_the_client_noticing()
    {
        await using var net = await ProviderNetwork.StartAsync(model, 2, NoSpeculation, OneSequence);
        var expected = await AnswerAsync(net);
        var billedBefore = await CompletionsLoggedAsync(net, atLeast: 1);
        var routedBefore = Routed().Count(net.Coordinator.Stdout);

        var (_, other, answer) = await AnsweredAroundFrozenHolderAsync(net, routedBefore, killHolder: true);

        // The same complete answer as when nothing failed.
        Assert.True(answer.IsComplete, $"not a complete answer: {answer}");
        Assert.Equal(expected.Text, answer.Text);
        Assert.Equal(expected.FinishReason, answer.FinishReason);
        Assert.Equal((expected.PromptTokens, expected.CompletionTokens), (answer.PromptTokens, answer.CompletionTokens));
        // The coordinator failed over, and recorded the request once, with the usage the client was given.
        await net.LoggedAsync(FailedOver());
        await net.WaitForNothingInFlightAsync();
        await AssertBilledOnceAsync(net, billedBefore, answer);
        Assert.Equal([other], (await net.ListAsync()).Select(p => p.Id));
    }

    [Fact]
    public async Task A_silent_provider_is_overtaken_by_a_speculative_backup_and_its_work_is_cancelled()
    {
        await using var net = await ProviderNetwork.StartAsync(model, 2, SpeculateAfter2s, OneSequence);
        var expected = await AnswerAsync(net);
        var billedBefore = await CompletionsLoggedAsync(net, atLeast: 1);
        var routedBefore = Routed().Count(net.Coordinator.Stdout);

        // The holder stays frozen: past 2 s the coordinator starts a backup, which can only be the other.
        var (holder, other, answer) = await AnsweredAroundFrozenHolderAsync(net, routedBefore, killHolder: false);

        Assert.True(answer.IsComplete, $"not a complete answer: {answer}");
        Assert.Equal(expected.Text, answer.Text);
        Assert.Equal((expected.PromptTokens, expected.CompletionTokens), (answer.PromptTokens, answer.CompletionTokens));
        Assert.Equal(other, (await net.LoggedAsync(BackupStarted())).Groups["provider"].Value);
        Assert.Single(BackupStarted().Matches(net.Coordinator.Stdout));
        var abandoned = (await net.LoggedAsync(CancelledOn(holder))).Groups["handle"].Value;
        await net.WaitForNothingInFlightAsync();
        await AssertBilledOnceAsync(net, billedBefore, answer);

        await AssertEnginesFreeAsync(net);
        AssertNeverServed(net, holder, abandoned);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_stops_its_provider_generating()
    {
        await using var net = await ProviderNetwork.StartAsync(model, 2, NoSpeculation, OneSequence);

        string server;
        using (var client = net.LeavingClient())
        {
            using var response = await client.SendAsync(ProviderNetwork.ChatRequest(Prompt, LongAnswer), HttpCompletionOption.ResponseHeadersRead);
            server = ServedBy(response);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            await StreamedAnswer.ReadUntilContentAsync(reader);
            Assert.Equal(1, (await net.ListAsync()).Single(p => p.Id == server).InFlight);
        }

        var abandoned = (await net.LoggedAsync(CancelledOn(server))).Groups["handle"].Value;
        await net.WaitForNothingInFlightAsync();
        await AssertEnginesFreeAsync(net);
        AssertNeverServed(net, server, abandoned);
        Assert.DoesNotContain($"Handle {abandoned}: completed", net.Coordinator.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_leaves_before_content_cancels_both_the_first_provider_and_its_backup()
    {
        await using var net = await ProviderNetwork.StartAsync(model, 2, SpeculateAfter2s, OneSequence);

        var abandoned = new Dictionary<string, string>();
        net.StopAll();
        try
        {
            using var leave = new CancellationTokenSource();
            var pending = net.Http.SendAsync(ProviderNetwork.ChatRequest(Prompt, ShortAnswer), HttpCompletionOption.ResponseHeadersRead, leave.Token);
            // The first provider, then (past 2 s of silence) the backup: both frozen with the request.
            await ProviderNetwork.EventuallyAsync(async () => (await net.ListAsync()).All(p => p.InFlight == 1), "the request and its backup on both providers");
            await leave.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
            await net.WaitForNothingInFlightAsync();
            foreach (var provider in net.Providers.Keys)
                abandoned[provider] = (await net.LoggedAsync(CancelledOn(provider))).Groups["handle"].Value;
        }
        finally
        {
            // Each wakes to the request and, after it, the coordinator's cancel.
            net.ContinueAll();
        }

        Assert.Single(BackupStarted().Matches(net.Coordinator.Stdout));
        await AssertEnginesFreeAsync(net);
        foreach (var (provider, handle) in abandoned)
        {
            AssertNeverServed(net, provider, handle);
            Assert.DoesNotContain($"Handle {handle}: completed", net.Coordinator.Stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>The answer to the tests' request when nothing goes wrong (greedy: the same from either provider).</summary>
    private static async Task<StreamedAnswer> AnswerAsync(ProviderNetwork net)
    {
        using var response = await net.Http.SendAsync(ProviderNetwork.ChatRequest(Prompt, ShortAnswer), HttpCompletionOption.ResponseHeadersRead);
        var answer = await StreamedAnswer.ReadAsync(response);
        Assert.True(answer.IsComplete, $"not a complete answer: {answer}");
        return answer;
    }

    /// <summary>
    /// Freezes every provider, sends the tests' request, finds the provider holding it, wakes the other and, with
    /// <paramref name="killHolder"/>, kills the holder; returns both and the answer, which must come from the other.
    /// Every provider still alive is woken at the end (a frozen holder wakes to the request and then its cancel).
    /// </summary>
    private static async Task<(string Holder, string Other, StreamedAnswer Answer)> AnsweredAroundFrozenHolderAsync(ProviderNetwork net, int routedBefore, bool killHolder)
    {
        net.StopAll();
        try
        {
            var pending = net.Http.SendAsync(ProviderNetwork.ChatRequest(Prompt, ShortAnswer), HttpCompletionOption.ResponseHeadersRead);
            var holder = await HolderAsync(net, routedBefore);
            var other = net.Providers.Keys.Single(id => id != holder);
            net.Signal(other, PosixSignals.Continue);
            if (killHolder)
                net.Signal(holder, PosixSignals.KillNow);
            using var response = await pending.WaitAsync(ProviderNetwork.Patience);
            Assert.Equal(other, ServedBy(response));
            return (holder, other, await StreamedAnswer.ReadAsync(response));
        }
        finally
        {
            net.ContinueAll();
        }
    }

    /// <summary>
    /// The provider the coordinator first placed the request on (the first routing it logged after
    /// <paramref name="routedBefore"/> earlier ones), once the request is in flight there. Every provider is frozen,
    /// so it holds the request without a word; a backup, if one has started already, is the later routing.
    /// </summary>
    private static async Task<string> HolderAsync(ProviderNetwork net, int routedBefore)
    {
        await ProviderNetwork.EventuallyAsync(async () => (await net.ListAsync()).Any(p => p.InFlight > 0), "the request to be placed");
        await ProviderNetwork.EventuallyAsync(() => Task.FromResult(Routed().Count(net.Coordinator.Stdout) > routedBefore), "the coordinator to log the routing");
        var holder = Routed().Matches(net.Coordinator.Stdout)[routedBefore].Groups["provider"].Value;
        Assert.Equal(1, (await net.ListAsync()).Single(p => p.Id == holder).InFlight);
        return holder;
    }

    private static string ServedBy(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("X-Umbra-Provider"));

    /// <summary>How many requests the coordinator has logged as completed (the usage it bills), once there are <paramref name="atLeast"/>.</summary>
    private static async Task<int> CompletionsLoggedAsync(ProviderNetwork net, int atLeast)
    {
        // The log is written behind the requests: wait for the lines already due.
        await ProviderNetwork.EventuallyAsync(() => Task.FromResult(Completed().Count(net.Coordinator.Stdout) >= atLeast), $"{atLeast} completions in the coordinator's log");
        return Completed().Count(net.Coordinator.Stdout);
    }

    /// <summary>
    /// One completion more in the coordinator's log since <paramref name="before"/>, with the usage the client got.
    /// Called once nothing is in flight: the other provider's relay has ended by then, so it can no longer complete.
    /// </summary>
    private static async Task AssertBilledOnceAsync(ProviderNetwork net, int before, StreamedAnswer answer)
    {
        Assert.Equal(before + 1, await CompletionsLoggedAsync(net, before + 1));
        var completed = Completed().Matches(net.Coordinator.Stdout);
        Assert.Equal((answer.PromptTokens, answer.CompletionTokens), (int.Parse(completed[^1].Groups["prompt"].Value), int.Parse(completed[^1].Groups["completion"].Value)));
    }

    /// <summary>
    /// A long stream to each provider, each kept open while the next is sent (so the next, finding no room in the
    /// first one's cache, goes to another), and each read to its first token: with one sequence at a time there,
    /// nothing else was running on any of them. Then the streams are dropped.
    /// </summary>
    private static async Task AssertEnginesFreeAsync(ProviderNetwork net)
    {
        var probes = new List<(HttpClient Client, HttpResponseMessage Response)>();
        var reached = new HashSet<string>();
        try
        {
            foreach (var _ in net.Providers.Keys)
            {
                var client = net.LeavingClient();
                var response = await client.SendAsync(ProviderNetwork.ChatRequest(Prompt, LongAnswer), HttpCompletionOption.ResponseHeadersRead);
                probes.Add((client, response));
                var provider = ServedBy(response);
                reached.Add(provider);
                try
                {
                    await StreamedAnswer.ReadUntilContentAsync(new StreamReader(await response.Content.ReadAsStreamAsync()));
                }
                catch (TimeoutException)
                {
                    Assert.Fail($"Provider {provider} started no new stream: is it still running work it was told to stop?");
                }
            }
        }
        finally
        {
            foreach (var (client, response) in probes)
            {
                response.Dispose();
                client.Dispose();
            }
        }
        Assert.Equal(net.Providers.Keys.Order(), reached.Order());
        await net.WaitForNothingInFlightAsync();
    }

    private static void AssertNeverServed(ProviderNetwork net, string provider, string handle) =>
        Assert.DoesNotContain($"Request {handle} served", net.Providers[provider].Stdout, StringComparison.Ordinal);
}
