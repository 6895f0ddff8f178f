using Umbra.Inference.Generation;
using Umbra.Inference.Sampling;
using Umbra.Protocol.Hub;
using Umbra.Provider.Engine;
using Umbra.Provider.Hub;
using Umbra.Provider.Identity;
using Umbra.Provider.Tests.Engine.Support;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Engine;

/// <summary>
/// Idle unloading and loading ahead of demand, on the real stories260K file: an idle model is unloaded, reported
/// as such, and loaded again by the next request (which then gives the same text) or by the coordinator's "load".
/// </summary>
public sealed class EngineModelUnloadTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static EngineModel Open(TimeSpan unloadAfter) =>
        EngineModel.Open(SharedTestData.Stories260K, "stories", 256, context => new EngineOptions { TokenBudget = 2 * context, MaxSequences = 4 }, unloadAfter);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    private static async Task<string> GreedyAsync(EngineModel engine, string prompt)
    {
        using var use = await engine.UseAsync();
        var tokens = use.Model.Tokenizer.Encode(prompt);
        var (text, _) = await use.Generator.GenerateTextAsync(new GenerationRequest { PromptTokens = tokens, MaxTokens = 12, Sampling = new SamplingOptions { Temperature = 0 } });
        return text;
    }

    [Fact]
    public async Task An_idle_model_is_unloaded_reported_unloaded_and_loaded_again_by_the_next_request()
    {
        using var engine = Open(Idle);
        Assert.True(engine.IsLoaded);
        var before = await GreedyAsync(engine, "Once upon a time");
        var loaded = engine.Capacity();
        Assert.True(loaded.Loaded);
        Assert.True(loaded.DecodeTokensPerSecond > 0);

        await WaitUntilAsync(() => !engine.IsLoaded, "the idle model is unloaded");
        Assert.Null(engine.Generator);
        var report = engine.Capacity();
        Assert.False(report.Loaded);
        Assert.Equal((0, 4, 512), (report.Running, report.MaxSequences, report.TokenBudget));
        // The speeds it measured while loaded are kept, so the coordinator still knows what it can do.
        Assert.Equal(loaded.DecodeTokensPerSecond, report.DecodeTokensPerSecond);

        var after = await GreedyAsync(engine, "Once upon a time");
        Assert.Equal(before, after);
        Assert.Equal(1, engine.Reloads);
    }

    [Fact]
    public async Task A_model_in_use_is_not_unloaded_however_long_the_request_runs()
    {
        using var engine = Open(Idle);
        var use = await engine.UseAsync();
        await Task.Delay(Idle * 4);
        Assert.False(engine.UnloadIfIdle());
        Assert.True(engine.IsLoaded);
        use.Dispose();
        use.Dispose(); // a second release is a no-op, not a miscount
        await WaitUntilAsync(() => !engine.IsLoaded, "the model is unloaded once released and idle");
    }

    [Fact]
    public async Task LoadAsync_loads_an_unloaded_model_once_and_a_model_that_never_unloads_stays()
    {
        using var engine = Open(Idle);
        await WaitUntilAsync(() => !engine.IsLoaded, "the idle model is unloaded");
        var loads = await Task.WhenAll(engine.LoadAsync(), engine.LoadAsync());
        Assert.Equal(1, loads.Count(l => l));
        Assert.True(engine.IsLoaded);

        using var forever = Open(TimeSpan.Zero);
        await Task.Delay(Idle * 2);
        Assert.False(forever.UnloadIfIdle());
        Assert.True(forever.IsLoaded);
        Assert.False(await forever.LoadAsync());
    }

    [Fact]
    public async Task A_disposed_model_refuses_use()
    {
        var engine = Open(Idle);
        engine.Dispose();
        engine.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => engine.UseAsync());
    }

    [Fact]
    public async Task Warm_up_measures_before_any_request_and_the_speeds_outlast_an_unload_and_a_reload()
    {
        // A manual idle clock: the model unloads exactly when the test says.
        var clock = new ManualTimeProvider();
        using var engine = EngineModel.Open(SharedTestData.Stories260K, "stories", 256, null, TimeSpan.FromMinutes(1), clock);
        Assert.Equal((0d, 0d), (engine.Capacity().PrefillTokensPerSecond, engine.Capacity().DecodeTokensPerSecond));

        var warm = await engine.WarmUpAsync();
        var measured = engine.Capacity();
        Assert.True(measured.Loaded);
        Assert.True(warm.PrefillTokensPerSecond > 0 && warm.DecodeTokensPerSecond > 0, $"{warm}");
        Assert.Equal((warm.PrefillTokensPerSecond, warm.DecodeTokensPerSecond), (measured.PrefillTokensPerSecond, measured.DecodeTokensPerSecond));

        clock.Advance(TimeSpan.FromMinutes(2));
        await WaitUntilAsync(() => !engine.IsLoaded, "the idle model is unloaded");
        Assert.True(await engine.LoadAsync());
        // Loaded again, the new engine has measured nothing yet: the last figures stand rather than zeros.
        var reloaded = engine.Capacity();
        Assert.True(reloaded.Loaded);
        Assert.Equal((measured.PrefillTokensPerSecond, measured.DecodeTokensPerSecond), (reloaded.PrefillTokensPerSecond, reloaded.DecodeTokensPerSecond));

        // Unloaded again with nothing run since the reload: the figures still stand.
        clock.Advance(TimeSpan.FromMinutes(2));
        await WaitUntilAsync(() => !engine.IsLoaded, "the idle model is unloaded again");
        var quiet = engine.Capacity();
        Assert.False(quiet.Loaded);
        Assert.Equal((measured.PrefillTokensPerSecond, measured.DecodeTokensPerSecond), (quiet.PrefillTokensPerSecond, quiet.DecodeTokensPerSecond));

        var again = await engine.WarmUpAsync(); // loads it first
        Assert.True(engine.IsLoaded);
        Assert.Equal(2, engine.Reloads);
        Assert.Equal(again.DecodeTokensPerSecond, engine.Capacity().DecodeTokensPerSecond);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_load_the_coordinator_asks_for_warms_the_engine_up_when_told_to(bool warmUpOnLoad)
    {
        var clock = new ManualTimeProvider();
        using var engine = EngineModel.Open(SharedTestData.Stories260K, "stories", 256, null, TimeSpan.FromMinutes(1), clock);
        var handler = new SealedEngineHandler([engine], InferenceKeyring.Generate()) { WarmUpOnLoad = warmUpOnLoad };
        Assert.False(await handler.LoadAsync("stories", CancellationToken.None)); // loaded already: nothing runs
        Assert.Equal(0, engine.Generator!.Steps);

        clock.Advance(TimeSpan.FromMinutes(2));
        await WaitUntilAsync(() => !engine.IsLoaded, "the idle model is unloaded");
        Assert.True(await handler.LoadAsync("stories", CancellationToken.None));
        var capacity = engine.Capacity();
        if (warmUpOnLoad)
        {
            Assert.True(engine.Generator!.Steps > 0);
            Assert.True(capacity.PrefillTokensPerSecond > 0 && capacity.DecodeTokensPerSecond > 0, $"{capacity}");
        }
        else
        {
            Assert.Equal(0, engine.Generator!.Steps);
            Assert.Equal((0d, 0d), (capacity.PrefillTokensPerSecond, capacity.DecodeTokensPerSecond));
        }
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task The_coordinators_load_message_loads_the_model_and_the_next_heartbeat_says_so()
    {
        // The engine's idle clock is a manual one: it unloads exactly when told, so the heartbeats are deterministic.
        var clock = new ManualTimeProvider();
        using var engine = EngineModel.Open(SharedTestData.Stories260K, "stories", 256, null, TimeSpan.FromMinutes(1), clock);
        var keyring = InferenceKeyring.Generate();
        var handler = new SealedEngineHandler([engine], keyring) { WarmUpOnLoad = true };
        Assert.Null(await handler.LoadAsync("not-served", CancellationToken.None));
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler, o =>
        {
            o.Keys = keyring.Infos;
            o.Models = handler.Offers;
            o.Capacity = handler.Capacity;
        });
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        clock.Advance(TimeSpan.FromMinutes(2));
        await WaitUntilAsync(() => !engine.IsLoaded, "the idle model is unloaded");
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.False((await connection.NextHeartbeatAsync()).Models!.Single().Loaded);

        await connection.SendAsync(new LoadMessage { Model = "not-served" });
        await connection.SendAsync(new LoadMessage { Model = "stories" });
        // Loaded and warmed up: the next heartbeat says so and carries the speeds measured (none ran before).
        await WaitUntilAsync(() => engine.IsLoaded && engine.Capacity().DecodeTokensPerSecond > 0, "the load message loads the model and warms it up");
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        var heartbeat = (await connection.NextHeartbeatAsync()).Models!.Single();
        Assert.True(heartbeat.Loaded);
        Assert.True(heartbeat.PrefillTokensPerSecond > 0 && heartbeat.DecodeTokensPerSecond > 0, $"{heartbeat}");
        Assert.Equal(1, engine.Reloads);
        await WaitUntilAsync(() => harness.Log.Entries.Any(e => e.Text.Contains("does not serve", StringComparison.Ordinal)), "the unknown model is logged");
    }
}
