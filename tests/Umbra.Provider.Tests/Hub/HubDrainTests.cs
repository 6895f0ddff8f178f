using System.Net.WebSockets;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class HubDrainTests
{
    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Drain_lets_in_flight_work_finish_refuses_new_requests_and_closes_normally()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
            await response.WriteChunkAsync(TestChunks.Make(0, true, "ct"), ct);
            await response.CompleteAsync(5, 1, ct);
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        await connection.SendAsync(HubMessages.Request("h-in-flight"));
        await started.Task.WaitAsync(TestTimeouts.Signal);

        var drain = harness.Client.DrainAsync();
        await harness.WaitForStateAsync(HubConnectionState.Draining);
        // The coordinator hears of the drain at once, not at the next heartbeat or the first refusal.
        Assert.True((await connection.NextHeartbeatAsync()).Draining);
        await connection.SendAsync(HubMessages.Request("h-late"));
        var refused = await connection.ReceiveAsync<ErrorMessage>();
        Assert.Equal(("h-late", HubErrorCodes.ProviderDraining, false), (refused.Handle, refused.Code, refused.ContentSent));
        Assert.False(drain.IsCompleted);

        release.SetResult();
        Assert.Equal("h-in-flight", (await connection.ReceiveAsync<ChunkMessage>()).Handle);
        Assert.Equal("h-in-flight", (await connection.ReceiveAsync<CompleteMessage>()).Handle);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await connection.Closed.WaitAsync(TestTimeouts.Signal));
        await drain.WaitAsync(TestTimeouts.Signal);
        await harness.Run.WaitAsync(TestTimeouts.Signal);

        Assert.Equal(HubConnectionState.Stopped, harness.Client.State);
        Assert.False(hub.TryNextConnection(out _));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Work_still_running_at_the_drain_timeout_is_cancelled_and_reported()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            await response.WriteChunkAsync(TestChunks.Make(0, false, "ct"), ct);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        await connection.SendAsync(HubMessages.Request("h-endless"));
        await started.Task.WaitAsync(TestTimeouts.Signal);
        await connection.ReceiveAsync<ChunkMessage>();

        var drain = harness.Client.DrainAsync();
        await harness.Time.WaitForTimerAsync(HubClientHarness.DrainTimeout).WaitAsync(TestTimeouts.Signal);
        Assert.False(drain.IsCompleted);
        harness.Time.Advance(HubClientHarness.DrainTimeout);

        var cut = await connection.ReceiveAsync<ErrorMessage>();
        Assert.Equal(("h-endless", HubErrorCodes.ProviderShutdown, true), (cut.Handle, cut.Code, cut.ContentSent));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await connection.Closed.WaitAsync(TestTimeouts.Signal));
        await drain.WaitAsync(TestTimeouts.Signal);
        Assert.Equal(HubConnectionState.Stopped, harness.Client.State);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_coordinator_that_never_answers_the_close_is_cut_off_after_the_close_timeout()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var connection = await hub.NextConnectionAsync();
        connection.AnswersClose = false;
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        var drain = harness.Client.DrainAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await connection.Closed.WaitAsync(TestTimeouts.Signal));
        await harness.Time.WaitForTimerAsync(harness.Options.CloseTimeout).WaitAsync(TestTimeouts.Signal);
        Assert.False(drain.IsCompleted);
        harness.Time.Advance(harness.Options.CloseTimeout);

        await drain.WaitAsync(TestTimeouts.Signal);
        Assert.Equal(HubConnectionState.Stopped, harness.Client.State);
        Assert.Contains(harness.Log.Entries, e => e.Text.Contains("did not answer the close", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Drain_while_waiting_to_reconnect_stops_at_once()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        connection.Abort();
        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);

        await harness.Client.DrainAsync().WaitAsync(TestTimeouts.Signal);

        await harness.Run.WaitAsync(TestTimeouts.Signal);
        Assert.Equal(HubConnectionState.Stopped, harness.Client.State);
        Assert.False(hub.TryNextConnection(out _));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Cancelling_RunAsync_stops_at_once_and_cancels_in_flight_work()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            started.TrySetResult();
            await using (ct.Register(() => cancelled.TrySetResult()))
                await Task.Delay(Timeout.Infinite, ct);
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        await connection.SendAsync(HubMessages.Request("h-1"));
        await started.Task.WaitAsync(TestTimeouts.Signal);

        harness.Stop();

        await harness.Run.WaitAsync(TestTimeouts.Signal);
        await cancelled.Task.WaitAsync(TestTimeouts.Signal);
        await connection.Closed.WaitAsync(TestTimeouts.Signal);
        Assert.Equal(HubConnectionState.Stopped, harness.Client.State);
    }
}
