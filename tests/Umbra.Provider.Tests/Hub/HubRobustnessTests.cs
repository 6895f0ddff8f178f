using System.Text;
using Microsoft.Extensions.Logging;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class HubRobustnessTests
{
    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Unknown_message_types_and_fields_are_ignored_and_the_connection_keeps_working()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var connection = await hub.NextConnectionAsync();
        await connection.ReceiveAsync<RegisterMessage>();
        // A newer coordinator: extra fields in registered, a type this build has never heard of, extra fields in a request.
        await connection.SendTextAsync("""{"v":1,"type":"registered","accepted_key_ids":["key-1"],"heartbeat_seconds":3,"region":"eu-west","limits":{"rpm":60}}""");
        await harness.WaitForStateAsync(HubConnectionState.Connected);
        await connection.SendTextAsync("""{"type":"attestation_challenge","v":2,"nonce":"q29uc3RhbnQ","deadline_seconds":30}""");
        await connection.SendTextAsync("""{"type":"cancel","v":1,"handle":"never-seen"}""");
        await connection.SendTextAsync("""{"priority":"high","type":"request","v":1,"handle":"h-1","envelope":{"kid":"key-1"},"trace":[1,2,3]}""");

        Assert.Equal("h-1", (await connection.ReceiveAsync<ChunkMessage>()).Handle);
        await connection.ReceiveAsync<ChunkMessage>();
        await connection.ReceiveAsync<ChunkMessage>();
        Assert.Equal("h-1", (await connection.ReceiveAsync<CompleteMessage>()).Handle);

        harness.Time.Advance(TimeSpan.FromSeconds(3));
        await connection.NextHeartbeatAsync();
        Assert.Equal(HubConnectionState.Connected, harness.Client.State);
        Assert.Equal(0, harness.Client.Reconnects);
        Assert.False(hub.TryNextConnection(out _));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Malformed_frames_are_logged_by_kind_only_and_do_not_break_the_connection()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks);
        var connection = await hub.NextConnectionAsync();
        await connection.ReceiveAsync<RegisterMessage>();
        // Garbage while registering is skipped too.
        await connection.SendTextAsync("SECRET-0 not json");
        await connection.SendRegisteredAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        string[] garbage =
        [
            "SECRET-1 not json at all",
            """["SECRET-2"]""",
            """{"v":1,"note":"SECRET-3"}""",
            """{"type":"request","v":1,"note":"SECRET-4 no handle"}""",
            """{"type":"cancel","v":1,"handle":42}""",
            """{"type":"request","v":1,"handle":"SECRET-5" """,
            """{"type":"request","v":1,"handle":null,"envelope":{}}""",
            "",
        ];
        foreach (var frame in garbage)
            await connection.SendTextAsync(frame);
        await connection.SendBinaryAsync(Encoding.UTF8.GetBytes("""{"type":"request","v":1,"handle":"SECRET-6","envelope":{}}"""));
        await connection.SendAsync(HubMessages.Request("h-after-garbage"));

        for (var i = 0; i < 3; i++)
            await connection.ReceiveAsync<ChunkMessage>();
        Assert.Equal("h-after-garbage", (await connection.ReceiveAsync<CompleteMessage>()).Handle);
        Assert.Equal(HubConnectionState.Connected, harness.Client.State);
        Assert.Equal(1, harness.Client.Registrations);
        Assert.False(hub.TryNextConnection(out _));

        var ignored = harness.Log.Entries.Where(e => e.Text.StartsWith("Ignored a hub frame", StringComparison.Ordinal)).ToList();
        Assert.Equal(garbage.Length + 2, ignored.Count);
        Assert.All(ignored, e => Assert.Equal(LogLevel.Warning, e.Level));
        Assert.Contains(ignored, e => e.Text.Contains("binary frame", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Log.Entries, e => e.Text.Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Logs_name_types_handles_and_counts_never_payloads()
    {
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            await response.WriteChunkAsync(TestChunks.Make(0, true, "SECRET-COMPLETION-CIPHERTEXT"), ct);
            await response.FailAsync("engine_failed", "SECRET-ERROR-MESSAGE", ct);
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await connection.SendAsync(HubMessages.Request("h-1", """{"kid":"key-1","ct":"SECRET-PROMPT-CIPHERTEXT"}"""));
        await connection.ReceiveAsync<ChunkMessage>();
        Assert.Equal("SECRET-ERROR-MESSAGE", (await connection.ReceiveAsync<ErrorMessage>()).Message);
        await connection.SendAsync(new ErrorMessage { Handle = "h-gone", Code = "SECRET-CODE", Message = "SECRET-COORDINATOR-TEXT" });
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        await connection.NextHeartbeatAsync();
        await connection.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable);
        await harness.WaitForStateAsync(HubConnectionState.WaitingToReconnect);

        var text = string.Join('\n', harness.Log.Entries.Select(e => e.Text));
        Assert.Contains("h-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("BPubKey", text, StringComparison.Ordinal);
    }
}
