using System.Buffers;
using System.Net.WebSockets;

namespace Umbra.Provider.Hub;

/// <summary>
/// Reads whole WebSocket messages, up to a size limit. A message over the limit is read to its end and dropped,
/// so one bad frame costs the connection nothing but the bytes.
/// </summary>
internal sealed class HubFrameReader
{
    private const int ReceiveSize = 16 * 1024;
    // A rare large envelope should not pin its buffer for the connection's life.
    private const int RetainedCapacity = 1024 * 1024;

    private readonly WebSocket _socket;
    private readonly int _maxBytes;
    private ArrayBufferWriter<byte> _buffer = new(ReceiveSize);

    public HubFrameReader(WebSocket socket, int maxBytes)
    {
        _socket = socket;
        _maxBytes = maxBytes;
    }

    /// <summary>The last text message read; valid until the next read.</summary>
    public ReadOnlySpan<byte> Payload => _buffer.WrittenSpan;

    /// <summary>Size of the last message read, whether kept or not.</summary>
    public long Length { get; private set; }

    public async ValueTask<HubFrameKind> ReadAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Capacity > RetainedCapacity)
            _buffer = new ArrayBufferWriter<byte>(ReceiveSize);
        else
            _buffer.ResetWrittenCount();
        Length = 0;
        var tooLarge = false;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.GetMemory(ReceiveSize), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
                return HubFrameKind.Close;
            Length += result.Count;
            _buffer.Advance(result.Count);
            if (tooLarge || _buffer.WrittenCount > _maxBytes)
            {
                tooLarge = true;
                _buffer.ResetWrittenCount();
            }
            if (result.EndOfMessage)
            {
                if (tooLarge)
                    return HubFrameKind.TooLarge;
                return result.MessageType == WebSocketMessageType.Binary ? HubFrameKind.Binary : HubFrameKind.Text;
            }
        }
    }
}
