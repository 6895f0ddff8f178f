using System.Diagnostics;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class HubRequestTests
{
    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_request_reaches_the_handler_and_its_chunks_and_completion_come_back_in_order()
    {
        var envelopes = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            envelopes[request.Handle] = request.Envelope.GetRawText();
            await DelegateHandler.WriteThreeChunksAsync(request, response, ct);
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        // Two at once: their messages interleave on the one socket, each request's own stay in order.
        await connection.SendAsync(HubMessages.Request("h-a", """{"kid":"key-1","ct":"first"}"""));
        await connection.SendAsync(HubMessages.Request("h-b", """{"kid":"key-2","ct":"second"}"""));
        var received = new List<HubMessage>();
        for (var i = 0; i < 8; i++)
            received.Add(await connection.ReceiveAsync());

        foreach (var handle in new[] { "h-a", "h-b" })
        {
            var mine = received.Where(m => m is ChunkMessage c ? c.Handle == handle : ((CompleteMessage)m).Handle == handle).ToList();
            Assert.Equal(4, mine.Count);
            var chunks = mine.Take(3).Cast<ChunkMessage>().Select(c => TestChunks.Read(c.Chunk)).ToList();
            Assert.Equal([0UL, 1UL, 2UL], chunks.Select(c => c.Sequence));
            Assert.Equal([false, false, true], chunks.Select(c => c.Final));
            Assert.Equal($"ct-{handle}-1", TestChunks.Label(chunks[1]));
            var complete = Assert.IsType<CompleteMessage>(mine[3]);
            Assert.Equal((11, 3), (complete.PromptTokens, complete.CompletionTokens));
        }
        Assert.Equal("""{"kid":"key-1","ct":"first"}""", envelopes["h-a"]);
        Assert.Equal("""{"kid":"key-2","ct":"second"}""", envelopes["h-b"]);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Cancel_cancels_the_handlers_token_promptly_and_nothing_more_is_sent_for_it()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            if (request.Handle != "h-slow")
            {
                await response.CompleteAsync(0, 0, ct);
                return;
            }
            await response.WriteChunkAsync(TestChunks.Make(0, false, "ct"), ct);
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
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await connection.SendAsync(HubMessages.Request("h-slow"));
        await started.Task.WaitAsync(TestTimeouts.Signal);
        Assert.Equal("h-slow", (await connection.ReceiveAsync<ChunkMessage>()).Handle);
        var clock = Stopwatch.StartNew();
        await connection.SendAsync(new CancelMessage { Handle = "h-slow" });
        await cancelled.Task.WaitAsync(TestTimeouts.Signal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cancel took {clock.Elapsed}");

        // The coordinator asked for the cancel, so it hears nothing more about h-slow: the next message is h-next's.
        await connection.SendAsync(HubMessages.Request("h-next"));
        Assert.Equal("h-next", (await connection.ReceiveAsync<CompleteMessage>()).Handle);
        Assert.False(connection.TryReceive(out _));
        Assert.Equal(1, harness.Client.Registrations);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_failing_handler_gets_an_error_reported_for_its_request()
    {
        var misuse = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (request, response, ct) =>
        {
            switch (request.Handle)
            {
                case "h-throws":
                    throw new InvalidOperationException("SECRET-DETAIL from the engine");
                case "h-returns-early":
                    await response.WriteChunkAsync(TestChunks.Make(0, false, "ct"), ct);
                    return;
                default:
                    await response.CompleteAsync(1, 1, ct);
                    misuse.SetResult(await Assert.ThrowsAsync<InvalidOperationException>(
                        () => response.WriteChunkAsync(TestChunks.Make(1, true, "ct"), ct).AsTask()));
                    return;
            }
        });
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, handler);
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync();
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await connection.SendAsync(HubMessages.Request("h-throws"));
        var thrown = await connection.ReceiveAsync<ErrorMessage>();
        Assert.Equal(("h-throws", HubErrorCodes.ProviderError, false), (thrown.Handle, thrown.Code, thrown.ContentSent));

        await connection.SendAsync(HubMessages.Request("h-returns-early"));
        Assert.Equal("h-returns-early", (await connection.ReceiveAsync<ChunkMessage>()).Handle);
        var early = await connection.ReceiveAsync<ErrorMessage>();
        Assert.Equal(("h-returns-early", HubErrorCodes.ProviderError, true), (early.Handle, early.Code, early.ContentSent));

        await connection.SendAsync(HubMessages.Request("h-writes-after-complete"));
        Assert.Equal("h-writes-after-complete", (await connection.ReceiveAsync<CompleteMessage>()).Handle);
        await misuse.Task.WaitAsync(TestTimeouts.Signal);

        Assert.DoesNotContain(harness.Log.Entries, e => e.Text.Contains("SECRET", StringComparison.Ordinal));
        Assert.Contains(harness.Log.Entries, e => e.Text.Contains("h-throws (InvalidOperationException)", StringComparison.Ordinal));
        Assert.Equal(HubConnectionState.Connected, harness.Client.State);
    }
}
