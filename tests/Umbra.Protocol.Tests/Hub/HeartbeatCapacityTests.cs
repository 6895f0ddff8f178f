using System.Text;
using Umbra.Protocol.Hub;

namespace Umbra.Protocol.Tests.Hub;

public class HeartbeatCapacityTests
{
    [Fact]
    public void A_capacity_heartbeat_round_trips_with_its_wire_names()
    {
        var heartbeat = new HeartbeatMessage
        {
            Running = 2,
            Waiting = 1,
            Models = [new ModelCapacity { Id = "m", Running = 2, Waiting = 1, MaxSequences = 8, TokensUsed = 900, TokenBudget = 8192, PrefillTokensPerSecond = 410.5, DecodeTokensPerSecond = 38.25 }],
            Machine = new MachineLoad { MemoryPressure = 0.5, CpuLoad = 0.75, Thermal = ThermalStates.Fair },
        };

        var json = Encoding.UTF8.GetString(HubCodec.Write(heartbeat));
        var back = Assert.IsType<HeartbeatMessage>(HubCodec.Read(Encoding.UTF8.GetBytes(json)));

        foreach (var name in new[] { "\"models\":", "\"tokens_used\":900", "\"token_budget\":8192", "\"max_sequences\":8", "\"prefill_tps\":410.5", "\"decode_tps\":38.25", "\"memory_pressure\":0.5", "\"cpu_load\":0.75", "\"thermal\":\"fair\"" })
            Assert.Contains(name, json, StringComparison.Ordinal);
        Assert.Equal(heartbeat.Models[0], Assert.Single(back.Models!));
        Assert.Equal(heartbeat.Machine, back.Machine);
    }

    [Fact]
    public void A_heartbeat_without_capacity_leaves_it_out_and_reads_as_null()
    {
        var json = Encoding.UTF8.GetString(HubCodec.Write(new HeartbeatMessage { Running = 1 }));
        Assert.DoesNotContain("models", json, StringComparison.Ordinal);
        Assert.DoesNotContain("machine", json, StringComparison.Ordinal);

        var old = Assert.IsType<HeartbeatMessage>(HubCodec.Read("""{"type":"heartbeat","v":1,"running":1,"waiting":0}"""u8));
        Assert.Null(old.Models);
        Assert.Null(old.Machine);
    }

    [Fact]
    public void Machine_fields_left_out_read_as_unknown_and_unknown_model_fields_are_ignored()
    {
        var m = Assert.IsType<HeartbeatMessage>(HubCodec.Read(
            """{"type":"heartbeat","running":0,"waiting":0,"machine":{},"models":[{"id":"a","decode_tps":5,"kv_blocks":7}]}"""u8));
        Assert.Equal(ThermalStates.Unknown, m.Machine!.Thermal);
        Assert.Null(m.Machine.MemoryPressure);
        Assert.Equal(5, m.Models![0].DecodeTokensPerSecond);
    }

    [Fact]
    public void A_model_capacity_without_its_id_is_rejected()
    {
        Assert.Throws<HubProtocolException>(() => HubCodec.Read("""{"type":"heartbeat","models":[{"running":1}]}"""u8));
    }
}
