using Umbra.Coordinator.Hosting;

namespace Umbra.Coordinator.Tests.Service;

public sealed class CoordinatorOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => new CoordinatorOptions().Validate();

    [Fact]
    public void Every_broken_rule_is_named()
    {
        var options = new CoordinatorOptions
        {
            Port = 70000,
            RateLimitPerSecond = 0,
            RateLimitBurst = 0,
            MaxRequestBodyBytes = 10,
            AdminToken = "short",
            ProviderTimeout = TimeSpan.FromSeconds(1),
        };

        var e = Assert.Throws<ArgumentException>(options.Validate);

        foreach (var name in new[] { "Port", "RateLimitPerSecond", "RateLimitBurst", "MaxRequestBodyBytes", "AdminToken", "ProviderTimeout" })
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_refuses_invalid_options_before_starting_anything() =>
        Assert.Throws<ArgumentException>(() => CoordinatorHost.Build(new CoordinatorOptions { Port = -1 }));
}
