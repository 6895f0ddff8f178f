using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>
/// The coordinator's end of one provider connection in <see cref="StandInHub"/>. Everything the provider sends
/// must parse with HubCodec; heartbeats are queued apart from the rest so tests can read either in order.
/// </summary>
internal sealed class StandInHubConnection(WebSocket socket, HttpContext context)
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Channel<HubMessage> _messages = Channel.CreateUnbounded<HubMessage>();
    private readonly Channel<HeartbeatMessage> _heartbeats = Channel.CreateUnbounded<HeartbeatMessage>();
    private readonly Lock _requestGate = new();
    private bool _requestEnded;
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When false, the provider's close frame gets no answer, like a coordinator that hung.</summary>
    public bool AnswersClose { get; set; } = true;

    /// <summary>The provider's close status once it sent a close frame; null if the connection just ended.</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    public async Task<HubMessage> ReceiveAsync() =>
        await _messages.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Signal);

    public async Task<T> ReceiveAsync<T>() where T : HubMessage => Assert.IsType<T>(await ReceiveAsync());

    public bool TryReceive(out HubMessage? message) => _messages.Reader.TryRead(out message);

    public async Task<HeartbeatMessage> NextHeartbeatAsync() =>
        await _heartbeats.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Signal);

    public bool TryNextHeartbeat(out HeartbeatMessage? heartbeat) => _heartbeats.Reader.TryRead(out heartbeat);

    /// <summary>Reads the provider's register and accepts it, with the coordinator's heartbeat interval.</summary>
    public async Task<RegisterMessage> AcceptRegistrationAsync(int heartbeatSeconds = 3, IReadOnlyList<string>? acceptedKeyIds = null)
    {
        var register = await ReceiveAsync<RegisterMessage>();
        await SendAsync(new RegisteredMessage
        {
            AcceptedKeyIds = acceptedKeyIds ?? [.. register.Keys.Select(k => k.KeyId)],
            HeartbeatSeconds = heartbeatSeconds,
        });
        return register;
    }

    /// <summary>Accepts a register that was already read, e.g. after sending something else first.</summary>
    public Task SendRegisteredAsync(int heartbeatSeconds = 3) =>
        SendAsync(new RegisteredMessage { AcceptedKeyIds = ["key-1"], HeartbeatSeconds = heartbeatSeconds });

    public Task SendAsync(HubMessage message) => SendFrameAsync(HubCodec.Write(message), WebSocketMessageType.Text);

    public Task SendTextAsync(string json) => SendFrameAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public Task SendBinaryAsync(byte[] bytes) => SendFrameAsync(bytes, WebSocketMessageType.Binary);

    /// <summary>Starts the close handshake, as a coordinator going away politely does.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status)
    {
        await _sendLock.WaitAsync();
        try
        {
            await socket.CloseOutputAsync(status, "stand-in hub closing", CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Cuts the TCP connection with no close frame.</summary>
    public void Abort()
    {
        // Under the lock that ends the request: Kestrel recycles a finished request's context.
        lock (_requestGate)
        {
            if (!_requestEnded)
                context.Abort();
        }
    }

    /// <summary>Called as the request that carried this WebSocket returns.</summary>
    internal void EndRequest()
    {
        lock (_requestGate)
            _requestEnded = true;
    }

    internal async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(socket.CloseStatus);
                    if (AnswersClose)
                        await AnswerCloseAsync();
                    else
                        await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                    continue;
                Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                var parsed = HubCodec.Read(message.ToArray());
                message.SetLength(0);
                if (parsed is HeartbeatMessage heartbeat)
                    _heartbeats.Writer.TryWrite(heartbeat);
                else
                    _messages.Writer.TryWrite(parsed);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Cut off: Closed says null.
        }
        catch (Exception e)
        {
            // The provider sent something the codec refuses: fail whichever test reads next.
            _messages.Writer.TryComplete(e);
        }
        finally
        {
            _closed.TrySetResult(null);
            _messages.Writer.TryComplete();
            _heartbeats.Writer.TryComplete();
        }
    }

    private async Task SendFrameAsync(byte[] frame, WebSocketMessageType type)
    {
        await _sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(frame, type, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task AnswerCloseAsync()
    {
        await _sendLock.WaitAsync();
        try
        {
            if (socket.State == WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The provider did not wait for the answer.
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
