using Umbra.Protocol.Hub;
using Umbra.Provider.Hub;
using Umbra.Provider.Tests.Hub.Support;

namespace Umbra.Provider.Tests.Hub;

public sealed class ProviderHubOptionsTests
{
    private static ProviderHubOptions Valid() => HubClientHarness.DefaultOptions(new Uri("ws://127.0.0.1:8080/v1/providers/connect"));

    [Fact]
    public void Complete_options_are_valid_and_defaults_are_as_documented()
    {
        Valid().Validate();
        var defaults = new ProviderHubOptions();
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.ReconnectBackoffMin);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.ReconnectBackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(10), defaults.HeartbeatInterval);
    }

    [Fact]
    public void A_wss_url_and_no_hardware_are_fine()
    {
        var options = Valid();
        options.HubUri = new Uri("wss://coordinator.example/v1/providers/connect");
        options.Hardware = null;
        options.DrainTimeout = TimeSpan.Zero;
        options.KeepAliveInterval = TimeSpan.Zero;
        options.Validate();
    }

    [Theory]
    [InlineData("no-uri", "HubUri is required")]
    [InlineData("http-uri", "HubUri must be an absolute ws:// or wss:// URL; got 'http://127.0.0.1:8080/v1/providers/connect'")]
    [InlineData("relative-uri", "HubUri must be an absolute ws:// or wss:// URL")]
    [InlineData("fragment", "HubUri must not have a fragment")]
    [InlineData("no-provider-id", "ProviderId is required")]
    [InlineData("no-models", "Models must list at least one model")]
    [InlineData("duplicate-model", "Models lists 'stories-260k' more than once")]
    [InlineData("zero-context", "Model 'stories-260k' needs a positive ContextLength; got 0")]
    [InlineData("no-keys", "Keys must list at least one inference key")]
    [InlineData("duplicate-key", "Keys lists key id 'key-1' more than once")]
    [InlineData("key-without-suite", "Key 'key-1' needs both a PublicKey and a Suite")]
    [InlineData("zero-cores", "Hardware.Cores must be at least 1; got 0")]
    [InlineData("zero-heartbeat", "HeartbeatInterval must be greater than zero")]
    [InlineData("huge-heartbeat", "HeartbeatInterval must be greater than zero and at most 1.00:00:00; got 2.00:00:00")]
    [InlineData("max-below-min", "ReconnectBackoffMax (00:00:01) must not be less than ReconnectBackoffMin (00:00:05)")]
    [InlineData("negative-drain", "DrainTimeout must be between zero and 1.00:00:00")]
    [InlineData("zero-registration-timeout", "RegistrationTimeout must be greater than zero")]
    public void Each_problem_is_named(string problem, string expected)
    {
        var options = Valid();
        Break(options, problem);
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var error = Assert.Throws<ArgumentException>(new ProviderHubOptions().Validate);
        Assert.Contains("HubUri", error.Message, StringComparison.Ordinal);
        Assert.Contains("ProviderId", error.Message, StringComparison.Ordinal);
        Assert.Contains("Models", error.Message, StringComparison.Ordinal);
        Assert.Contains("Keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_refuses_invalid_options_before_connecting()
    {
        var options = Valid();
        options.HubUri = new Uri("https://127.0.0.1/");
        Assert.Throws<ArgumentException>(() => new ProviderHubClient(options, DelegateHandler.ThreeChunks));
    }

    private static void Break(ProviderHubOptions options, string problem)
    {
        var model = options.Models[0];
        var key = options.Keys[0];
        switch (problem)
        {
            case "no-uri": options.HubUri = null; break;
            case "http-uri": options.HubUri = new Uri("http://127.0.0.1:8080/v1/providers/connect"); break;
            case "relative-uri": options.HubUri = new Uri("/v1/providers/connect", UriKind.Relative); break;
            case "fragment": options.HubUri = new Uri("ws://127.0.0.1:8080/v1/providers/connect#x"); break;
            case "no-provider-id": options.ProviderId = " "; break;
            case "no-models": options.Models = []; break;
            case "duplicate-model": options.Models = [model, model]; break;
            case "zero-context": options.Models = [model with { ContextLength = 0 }]; break;
            case "no-keys": options.Keys = []; break;
            case "duplicate-key": options.Keys = [key, key]; break;
            case "key-without-suite": options.Keys = [key with { Suite = "" }]; break;
            case "zero-cores": options.Hardware = new HardwareInfo("cpu", 0, 1); break;
            case "zero-heartbeat": options.HeartbeatInterval = TimeSpan.Zero; break;
            case "huge-heartbeat": options.HeartbeatInterval = TimeSpan.FromDays(2); break;
            case "max-below-min":
                options.ReconnectBackoffMin = TimeSpan.FromSeconds(5);
                options.ReconnectBackoffMax = TimeSpan.FromSeconds(1);
                break;
            case "negative-drain": options.DrainTimeout = TimeSpan.FromSeconds(-1); break;
            case "zero-registration-timeout": options.RegistrationTimeout = TimeSpan.Zero; break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), problem, null);
        }
    }
}
