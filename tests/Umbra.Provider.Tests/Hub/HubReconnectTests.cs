using System.Net.WebSockets;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class HubReconnectTests
{
    [Fact(Timeout = TestTimeouts.Test)]
    public async Task The_hub_closing_the_connection_leads_to_a_new_registration_after_the_backoff()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var first = await hub.NextConnectionAsync();
        var firstRegister = await first.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await first.CloseAsync(WebSocketCloseStatus.EndpointUnavailable);
        // The provider answers the close handshake, then waits out the backoff.
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await first.Closed.WaitAsync(TestTimeouts.Signal));
        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);
        Assert.False(harness.Client.IsConnected);
        Assert.False(hub.TryNextConnection(out _));

        harness.Time.Advance(HubClientHarness.BackoffMax);
        var second = await hub.NextConnectionAsync();
        var secondRegister = await second.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        Assert.Equal(firstRegister.ProviderId, secondRegister.ProviderId);
        Assert.Equal(firstRegister.Models, secondRegister.Models);
        Assert.Equal(firstRegister.Keys, secondRegister.Keys);
        Assert.Equal(2, harness.Client.Registrations);
        Assert.Equal(1, harness.Client.Reconnects);

        await second.SendAsync(HubMessages.Request("h-after-reconnect"));
        for (var i = 0; i < 3; i++)
            await second.ReceiveAsync<ChunkMessage>();
        Assert.Equal("h-after-reconnect", (await second.ReceiveAsync<CompleteMessage>()).Handle);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task The_server_stopping_cancels_in_flight_work_and_the_provider_registers_again_once_it_is_back()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                cancelled.TrySetResult();
            }
        });
        var hub = await StandInHub.StartAsync();
        var port = hub.Port;
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var first = await hub.NextConnectionAsync();
        await first.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        await first.SendAsync(HubMessages.Request("h-stranded"));
        await started.Task.WaitAsync(TestTimeouts.Signal);

        await hub.DisposeAsync();
        // Its output can no longer be delivered, so the in-flight request is cancelled.
        await cancelled.Task.WaitAsync(TestTimeouts.Signal);
        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);

        // An attempt while the server is down fails and backs off again.
        harness.Time.Advance(HubClientHarness.BackoffMax);
        await harness.WaitForStateAsync(HubConnectionState.Connecting);
        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);
        Assert.Equal(0, harness.Client.InFlight);

        await using var restarted = await StandInHub.StartAsync(port);
        harness.Time.Advance(HubClientHarness.BackoffMax);
        var second = await restarted.NextConnectionAsync();
        await second.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        Assert.Equal(2, harness.Client.Registrations);
        Assert.Equal(2, harness.Client.Reconnects);
    }
}
