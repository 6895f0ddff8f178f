using Umbra.Coordinator.Hub;
using Umbra.Protocol.Hub;

namespace Umbra.Coordinator.Tests.Service;

public sealed class RegisterLimitsTests
{
    private static RegisterMessage Register(int keys = 1, int models = 1, string id = "p1", string model = "m") => new()
    {
        ProviderId = id,
        Models = [.. Enumerable.Range(0, models).Select(i => new ModelOffer(model, 4096))],
        Keys = [.. Enumerable.Range(0, keys).Select(i => new InferenceKeyInfo(new string('a', 32), "BA", "P256-SHA256-AES256GCM"))],
    };

    [Fact]
    public void An_ordinary_registration_passes() => Assert.Null(RegisterLimits.Problem(Register()));

    [Fact]
    public void Oversized_claims_are_refused_without_quoting_them()
    {
        string huge = new('x', 100_000);
        Assert.Equal("register: provider_id too long", RegisterLimits.Problem(Register(id: huge)));
        Assert.Equal("register: too many keys", RegisterLimits.Problem(Register(keys: RegisterLimits.MaxKeys + 1)));
        Assert.Equal("register: too many models", RegisterLimits.Problem(Register(models: RegisterLimits.MaxModels + 1)));
        Assert.Equal("register: bad model id", RegisterLimits.Problem(Register(model: huge)));
        Assert.Equal("register: bad model id", RegisterLimits.Problem(Register(model: "")));
    }

    [Fact]
    public void A_flooded_relay_fails_instead_of_growing_without_bound()
    {
        var relay = new RelayRequest("h", null!);
        for (int i = 0; i < RelayRequest.MaxBacklog + 10; i++)
            relay.Post(RelayEvent.Chunk(new byte[] { 1 }));
        Assert.True(relay.IsEnded);
        Assert.Equal(RelayRequest.MaxBacklog + 1, relay.Events.Count); // the backlog plus the failure that ended it
    }
}
