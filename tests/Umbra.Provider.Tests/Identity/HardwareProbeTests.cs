using Umbra.Provider.Identity;

namespace Umbra.Provider.Tests.Identity;

public class HardwareProbeTests
{
    [Fact]
    public void Describes_this_machine()
    {
        var hardware = HardwareProbe.Describe();
        Assert.False(string.IsNullOrWhiteSpace(hardware.Cpu));
        Assert.Equal(Environment.ProcessorCount, hardware.Cores);
        Assert.True(hardware.MemoryBytes > 0);
    }
}
