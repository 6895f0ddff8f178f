using Umbra.Inference.Generation;
using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class HubCapacityTests
{
    [Fact(Timeout = TestTimeouts.Test)]
    public async Task Heartbeats_carry_each_models_capacity_and_the_machine_load()
    {
        var capacity = new EngineCapacity(MaxSequences: 8, ContextLength: 4096, TokenBudget: 8192, TokensUsed: 1024, BlockSize: 16,
            Running: 2, Waiting: 3, PrefillTokensPerSecond: 500, DecodeTokensPerSecond: 40);
        var machine = new MachineLoad { MemoryPressure = 0.25, CpuLoad = 0.5, Thermal = ThermalStates.Nominal };
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks, o =>
        {
            o.Capacity = () => [CapacityReports.From("m", capacity)];
            o.MachineLoad = () => machine;
        });
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync(heartbeatSeconds: 3);
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await harness.Time.WaitForTimerAsync(TimeSpan.FromSeconds(3)).WaitAsync(TestTimeouts.Signal);
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        var heartbeat = await connection.NextHeartbeatAsync();

        Assert.Equal((0, 3), (heartbeat.Running, heartbeat.Waiting));
        var model = Assert.Single(heartbeat.Models!);
        Assert.Equal(new ModelCapacity { Id = "m", Running = 2, Waiting = 3, MaxSequences = 8, TokensUsed = 1024, TokenBudget = 8192, PrefillTokensPerSecond = 500, DecodeTokensPerSecond = 40 }, model);
        Assert.Equal(machine, heartbeat.Machine);
    }

    [Fact(Timeout = TestTimeouts.Test)]
    public async Task A_capacity_source_that_fails_leaves_the_heartbeat_plain()
    {
        await using var hub = await StandInHub.StartAsync();
        await using var harness = HubClientHarness.Start(hub.Uri, DelegateHandler.ThreeChunks, o => o.Capacity = () => throw new ObjectDisposedException("engine"));
        var connection = await hub.NextConnectionAsync();
        await connection.AcceptRegistrationAsync(heartbeatSeconds: 3);
        await harness.WaitForStateAsync(HubConnectionState.Connected);

        await harness.Time.WaitForTimerAsync(TimeSpan.FromSeconds(3)).WaitAsync(TestTimeouts.Signal);
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        var heartbeat = await connection.NextHeartbeatAsync();

        Assert.Null(heartbeat.Models);
        Assert.Equal(0, heartbeat.Running);
    }

    [Fact]
    public void Machine_readings_come_from_proc_and_sys_and_are_unknown_when_missing()
    {
        var root = Directory.CreateTempSubdirectory("umbra-probe-");
        try
        {
            var proc = Directory.CreateDirectory(Path.Combine(root.FullName, "proc")).FullName;
            var thermal = Path.Combine(root.FullName, "thermal");
            File.WriteAllLines(Path.Combine(proc, "meminfo"), ["MemTotal:       16000000 kB", "MemFree:         1000000 kB", "MemAvailable:    4000000 kB"]);
            File.WriteAllText(Path.Combine(proc, "loadavg"), "3.00 2.00 1.00 2/300 12345\n");
            Directory.CreateDirectory(Path.Combine(thermal, "thermal_zone0"));
            Directory.CreateDirectory(Path.Combine(thermal, "thermal_zone1"));
            File.WriteAllText(Path.Combine(thermal, "thermal_zone0", "temp"), "45000\n");
            File.WriteAllText(Path.Combine(thermal, "thermal_zone1", "temp"), "88000\n");

            var load = MachineLoadProbe.Read(proc, thermal, cores: 4);
            Assert.Equal(0.75, load.MemoryPressure!.Value, 6);
            Assert.Equal(0.75, load.CpuLoad!.Value, 6);
            Assert.Equal(ThermalStates.Serious, load.Thermal);

            var missing = MachineLoadProbe.Read(Path.Combine(root.FullName, "none"), Path.Combine(root.FullName, "none"), cores: 4);
            Assert.Equal(new MachineLoad(), missing);
            Assert.Equal(ThermalStates.Unknown, missing.Thermal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(40, ThermalStates.Nominal)]
    [InlineData(70, ThermalStates.Fair)]
    [InlineData(90, ThermalStates.Serious)]
    [InlineData(101, ThermalStates.Critical)]
    public void Temperatures_map_to_thermal_states(double celsius, string state) => Assert.Equal(state, MachineLoadProbe.ThermalFor(celsius));
}
