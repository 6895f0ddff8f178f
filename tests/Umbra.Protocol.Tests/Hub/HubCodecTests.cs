using System.Text;
using System.Text.Json;
using Umbra.Protocol.Hub;

namespace Umbra.Protocol.Tests.Hub;

public class HubCodecTests
{
    private static HubMessage Read(string json) => HubCodec.Read(Encoding.UTF8.GetBytes(json));

    public static TheoryData<HubMessage> Messages() => new()
    {
        new RegisterMessage
        {
            ProviderId = "prov-1",
            Models = [new ModelOffer("llama-3.2-1b", 8192)],
            Keys = [new InferenceKeyInfo("3f1c0000000000000000000000000000", "BN2x", "P256-SHA256-AES256GCM")],
            Hardware = new HardwareInfo("Xeon", 2, 24L << 30),
        },
        new RegisteredMessage { AcceptedKeyIds = ["3f1c0000000000000000000000000000"], HeartbeatSeconds = 5 },
        new HeartbeatMessage { Running = 1, Waiting = 2 },
        new RequestMessage { Handle = "h1", Envelope = JsonDocument.Parse("""{"umbra":1,"model":"m"}""").RootElement },
        new ChunkMessage { Handle = "h1", Chunk = JsonDocument.Parse("""{"seq":3,"final":true,"ct":"AAAA"}""").RootElement },
        new CompleteMessage { Handle = "h1", PromptTokens = 10, CompletionTokens = 20 },
        new ErrorMessage { Handle = "h1", Code = "model_not_found", Message = "no such model", ContentSent = false },
        new CancelMessage { Handle = "h1" },
        new LoadMessage { Model = "llama-3.2-1b" },
        new HeartbeatMessage { Running = 0, Draining = true, Models = [new ModelCapacity { Id = "m", Loaded = false, TokenBudget = 8192, MaxSequences = 4 }] },
    };

    [Fact]
    public void A_load_without_its_model_is_refused()
    {
        Assert.Throws<HubProtocolException>(() => Read("""{"type":"load","v":1}"""));
        Assert.Throws<HubProtocolException>(() => Read("""{"type":"load","v":1,"model":null}"""));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_type_round_trips(HubMessage message)
    {
        var frame = HubCodec.Write(message);
        var back = HubCodec.Read(frame);
        Assert.Equal(message.GetType(), back.GetType());
        Assert.False(back.IsUnknown);
        Assert.Equal(1, back.Version);
        // Records compare by value, except collections and JsonElement: compare the re-encoded frames.
        Assert.Equal(Encoding.UTF8.GetString(frame), Encoding.UTF8.GetString(HubCodec.Write(back)));
        Assert.Contains("\"type\":", Encoding.UTF8.GetString(frame), StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_of_an_unknown_type_is_recognized_as_unknown_not_rejected()
    {
        var m = Read("""{"type":"telemetry","v":2,"gpu_temp":71}""");
        Assert.True(m.IsUnknown);
        Assert.Equal(2, m.Version);
    }

    [Fact]
    public void Unknown_fields_from_a_newer_peer_are_ignored()
    {
        var m = Assert.IsType<HeartbeatMessage>(Read("""{"v":2,"running":3,"queue_depth_by_model":{"a":1},"type":"heartbeat","waiting":4,"thermal":"hot"}"""));
        Assert.Equal((3, 4, 2), (m.Running, m.Waiting, m.Version));
    }

    [Theory]
    [InlineData("", "Invalid hub frame")]
    [InlineData("not json", "Invalid hub frame")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{\"v\":1}", "\"type\"")]
    [InlineData("{\"type\":7}", "\"type\"")]
    [InlineData("{\"type\":\"cancel\"}", "handle")]
    [InlineData("{\"type\":\"register\",\"provider_id\":\"p\",\"models\":[],\"keys\":null}", "Invalid hub frame")]
    [InlineData("{\"type\":\"chunk\",\"chunk\":{\"seq\":1,\"final\":true}}", "handle")]
    public void Malformed_frames_are_refused_with_a_clear_message(string frame, string expected)
    {
        var e = Assert.Throws<HubProtocolException>(() => Read(frame));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_and_deeply_nested_frames_are_refused()
    {
        Assert.Throws<HubProtocolException>(() => HubCodec.Read(new byte[HubCodec.MaxFrameBytes + 1]));
        Assert.Throws<HubProtocolException>(() => Read("{\"type\":\"x\",\"a\":" + new string('[', 100) + new string(']', 100) + "}"));
    }

    [Fact]
    public void Random_garbage_only_ever_gives_the_protocol_exception()
    {
        var rng = new Random(42);
        string[] parts = ["{", "}", "[", "]", ",", ":", "\"type\"", "\"chunk\"", "\"cancel\"", "\"handle\"", "\"h\"", "1", "-1", "null", "true", "\"seq\"", "\"chunk\"", "1e400"];
        for (int i = 0; i < 2000; i++)
        {
            string frame = string.Concat(Enumerable.Range(0, rng.Next(1, 25)).Select(_ => parts[rng.Next(parts.Length)]));
            try
            {
                HubCodec.Read(Encoding.UTF8.GetBytes(frame));
            }
            catch (HubProtocolException)
            {
                // expected for most frames
            }
        }
    }
}
