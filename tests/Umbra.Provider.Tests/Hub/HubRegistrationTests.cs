using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class HubRegistrationTests
{
    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Registration_carries_models_keys_and_hardware()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var connection = await hub.NextConnectionAsync();

        var register = await connection.AcceptRegistrationAsync(acceptedKeyIds: ["key-2"]);
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        Assert.Equal(HubMessage.CurrentVersion, register.Version);
        Assert.Equal("provider-test-1", register.ProviderId);
        Assert.Equal(harness.Options.Models, register.Models);
        Assert.Equal(harness.Options.Keys, register.Keys);
        Assert.Equal(harness.Options.Hardware, register.Hardware);
        Assert.Equal([1], register.Versions);
        Assert.True(harness.Client.IsConnected);
        Assert.Equal(1, harness.Client.Registrations);
        Assert.Equal(0, harness.Client.Reconnects);
        Assert.Equal(["key-2"], harness.Client.AcceptedKeyIds);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Heartbeats_come_at_the_interval_the_coordinator_sets_and_carry_the_load()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
            await response.CompleteAsync(1, 1, ct);
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync(heartbeatSeconds: 3);
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        // The configured interval is 10 s; the coordinator's 3 s wins.
        await harness.Time.WaitForTimerAsync(TimeSpan.FromSeconds(3)).WaitAsync(TestTimeouts.Signal);
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        var first = await connection.NextHeartbeatAsync();
        Assert.Equal((0, 0), (first.Running, first.Waiting));

        await connection.SendAsync(HubMessages.Request("h-1"));
        await started.Task.WaitAsync(TestTimeouts.Signal);
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        var second = await connection.NextHeartbeatAsync();
        Assert.Equal(1, second.Running);

        release.SetResult();
        Assert.Equal("h-1", (await connection.ReceiveAsync<CompleteMessage>()).Handle);
        Assert.False(connection.TryNextHeartbeat(out _));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_registered_without_a_usable_interval_keeps_the_configured_one()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync(heartbeatSeconds: 0);
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await harness.Time.WaitForTimerAsync(TimeSpan.FromSeconds(10)).WaitAsync(TestTimeouts.Signal);
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        await connection.NextHeartbeatAsync();
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task No_registered_in_time_means_a_fresh_connection_after_the_backoff()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var silent = await hub.NextConnectionAsync();
        await silent.ReceiveAsync<RegisterMessage>();

        await harness.Time.WaitForTimerAsync(HubClientHarness.RegistrationTimeout).WaitAsync(TestTimeouts.Signal);
        harness.Time.Advance(HubClientHarness.RegistrationTimeout);
        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);
        await silent.Closed.WaitAsync(TestTimeouts.Signal);
        Assert.Equal(0, harness.Client.Registrations);

        harness.Time.Advance(HubClientHarness.BackoffMax);
        var second = await hub.NextConnectionAsync();
        await second.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        Assert.Equal(1, harness.Client.Registrations);
        Assert.Equal(1, harness.Client.Reconnects);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_refused_registration_is_retried_after_the_backoff()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var refusing = await hub.NextConnectionAsync();
        await refusing.ReceiveAsync<RegisterMessage>();
        await refusing.SendAsync(new ErrorMessage { Handle = "", Code = "unknown_provider", Message = "no such provider" });

        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);
        harness.Time.Advance(HubClientHarness.BackoffMax);
        await (await hub.NextConnectionAsync()).AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        Assert.Equal(1, harness.Client.Registrations);
    }
}
