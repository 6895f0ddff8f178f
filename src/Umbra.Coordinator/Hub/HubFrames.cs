using System.Buffers;
using System.Net.WebSockets;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Hub;

/// <summary>Reads whole text frames from a hub socket, skipping binary and oversized ones as the protocol says.</summary>
internal static class HubFrames
{
    /// <summary>The next text frame; null once the peer closed. Binary frames and frames over the limit come back empty.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(WebSocket socket, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        var oversized = false;
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var result = await socket.ReceiveAsync(memory, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            if (!oversized)
            {
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > HubCodec.MaxFrameBytes)
                {
                    // Keep reading to the end of the frame so the next one starts clean, but hold none of it.
                    oversized = true;
                    buffer.ResetWrittenCount();
                }
            }
            if (result.EndOfMessage)
                return oversized || result.MessageType != WebSocketMessageType.Text ? ReadOnlyMemory<byte>.Empty : buffer.WrittenMemory;
        }
    }
}
