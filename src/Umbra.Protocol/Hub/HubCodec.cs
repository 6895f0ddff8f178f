using System.Text.Json;

namespace Umbra.Protocol.Hub;

/// <summary>Reads and writes hub frames.</summary>
public static class HubCodec
{
    /// <summary>Largest frame accepted; a sealed request envelope is the biggest message.</summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;

    public static byte[] Write(HubMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, HubJsonContext.Default.HubMessage);

    /// <summary>
    /// Parses one frame. A message of an unknown type comes back as a plain <see cref="HubMessage"/>
    /// (<see cref="HubMessage.IsUnknown"/>); malformed frames throw <see cref="HubProtocolException"/>.
    /// </summary>
    public static HubMessage Read(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > MaxFrameBytes)
            throw new HubProtocolException($"Hub frame of {frame.Length} bytes exceeds the limit of {MaxFrameBytes}.");
        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 32 });
            using (var probe = JsonDocument.ParseValue(ref reader))
            {
                if (probe.RootElement.ValueKind != JsonValueKind.Object)
                    throw new HubProtocolException("A hub frame must be a JSON object.");
                if (!probe.RootElement.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                    throw new HubProtocolException("A hub frame must have a string \"type\".");
            }
            return JsonSerializer.Deserialize(frame, HubJsonContext.Default.HubMessage)
                ?? throw new HubProtocolException("A hub frame must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new HubProtocolException($"Invalid hub frame: {e.Message}", e);
        }
    }
}
