using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Umbra.Client.Trust;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Client.Tests.Trust;

/// <summary>
/// The client believes the provider's signed bundle, not the coordinator. A real Kestrel stand-in coordinator
/// lists a real provider bundle and then lies in each way it can; every lie ends in a refusal that says why, and
/// nothing reaches the sealed endpoint.
/// </summary>
public sealed class LyingCoordinatorTests : IAsyncLifetime
{
    private StandInCoordinator _coordinator = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _coordinator = await StandInCoordinator.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _coordinator.DisposeAsync();
    }

    private UmbraClient Client(TrustLevel minimum = TrustLevel.SelfSigned, TimeProvider? time = null) =>
        new(_http, new UmbraClientOptions { Coordinator = _coordinator.BaseAddress, MinimumTrust = minimum, TimeProvider = time ?? TimeProvider.System });

    private static byte[] Chat(string content) =>
        Encoding.UTF8.GetBytes($$"""{"model":"stories","messages":[{"role":"user","content":{{JsonSerializer.Serialize(content)}}}],"max_tokens":16}""");

    private static async Task<string> Send(UmbraClient client, string content = "CANARY-trust")
    {
        var text = new StringBuilder();
        await foreach (var payload in client.SendAsync(RequestEndpoints.ChatCompletions, Chat(content)))
            text.Append(Encoding.UTF8.GetString(payload));
        return text.ToString();
    }

    /// <summary>Sends, expects a trust refusal naming <paramref name="why"/>, and checks nothing was sent.</summary>
    private async Task<TrustException> Refused(UmbraClient client, string why)
    {
        var e = await Assert.ThrowsAsync<TrustException>(() => Send(client));
        Assert.Equal(503, e.Status);
        Assert.Equal("insufficient_trust", e.Code);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("No provider of 'stories' proves trust level ", e.Message, StringComparison.Ordinal);
        Assert.Empty(_coordinator.WireBodies); // the sealed endpoint saw no inference request
        Assert.Empty(await client.GetProvidersAsync("stories"));
        return e;
    }

    [Fact]
    public async Task The_honest_listing_is_verified_and_the_request_goes_through()
    {
        var client = Client();
        var candidate = Assert.Single(await client.GetProvidersAsync("stories"));
        Assert.Equal(TrustLevel.SelfSigned, candidate.TrustLevel);
        Assert.Equal(_coordinator.Key.PublicKey.KeyId, candidate.KeyId);
        Assert.NotNull(candidate.BundleHash);
        Assert.Contains("echo: hello", await Send(client, "hello"), StringComparison.Ordinal);
        Assert.Single(_coordinator.WireBodies);
    }

    [Fact]
    public async Task a_The_coordinator_swaps_in_its_own_key_under_the_providers_bundle()
    {
        _coordinator.ListedKey = _coordinator.CoordinatorKey.PublicKey;
        await Refused(Client(), $"stand-in-provider's listed key {_coordinator.CoordinatorKey.PublicKey.KeyId} is not among the inference keys its bundle signs ({_coordinator.Key.PublicKey.KeyId})");
    }

    [Fact]
    public async Task b_The_coordinator_replays_an_old_bundle()
    {
        var old = _coordinator.HonestBundle(DateTimeOffset.UtcNow.AddMinutes(-30));
        _coordinator.Bundle = () => old;
        await Refused(Client(), "stand-in-provider's bundle failed: freshness: The bundle is dated");
    }

    [Fact]
    public async Task b_A_bundle_that_was_fresh_goes_stale_in_the_cache_too()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var bundle = _coordinator.HonestBundle(clock.GetUtcNow());
        _coordinator.Bundle = () => bundle; // the coordinator stops re-challenging and keeps serving this one
        var client = Client(time: clock);
        await Send(client);
        await Send(client);
        Assert.Equal(1, client.BundleVerifications); // verified once, then served from the cache
        _coordinator.WireBodies.Clear();

        clock.Advance(TimeSpan.FromMinutes(20));
        var e = await Refused(client, "freshness: The bundle is dated");
        Assert.Contains("older than the maximum age of 900 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task c_The_coordinator_claims_hardware_for_a_self_signed_bundle()
    {
        _coordinator.ClaimedTrustLevel = "hardware";
        await Refused(Client(TrustLevel.Hardware), "No provider of 'stories' proves trust level hardware: stand-in-provider is self_signed (the coordinator claimed hardware)");
    }

    [Fact]
    public async Task d_The_coordinator_lists_another_providers_bundle()
    {
        using var other = SoftwareAttestationSigner.Generate();
        var foreign = TestBundles.Make(other, "other-provider", [_coordinator.Key.PublicKey], ["stories"], DateTimeOffset.UtcNow);
        _coordinator.Bundle = () => foreign;
        await Refused(Client(), "stand-in-provider is listed with a bundle of another provider, \"other-provider\"");
    }

    [Fact]
    public async Task f_After_first_contact_the_coordinator_mints_its_own_identity_under_the_providers_name()
    {
        var client = Client();
        await Send(client); // first contact pins stand-in-provider's identity key
        _coordinator.WireBodies.Clear();

        // The coordinator makes its own identity key and signs a bundle in the provider's name for its own key.
        using var forged = SoftwareAttestationSigner.Generate();
        var bundle = TestBundles.Make(forged, "stand-in-provider", [_coordinator.CoordinatorKey.PublicKey], ["stories"], DateTimeOffset.UtcNow);
        _coordinator.Bundle = () => bundle;
        _coordinator.ListedKey = _coordinator.CoordinatorKey.PublicKey;
        await Refused(client, "not the one first seen for it");
    }

    [Fact]
    public async Task Pins_survive_a_restart_through_the_pins_file()
    {
        var file = Path.Combine(Path.GetTempPath(), "umbra-pins-" + Guid.NewGuid().ToString("N"));
        try
        {
            UmbraClient Pinned() => new(_http, new UmbraClientOptions { Coordinator = _coordinator.BaseAddress, IdentityPinsFile = file });
            await Send(Pinned());
            Assert.Contains("stand-in-provider ", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
            _coordinator.WireBodies.Clear();

            using var forged = SoftwareAttestationSigner.Generate();
            var bundle = TestBundles.Make(forged, "stand-in-provider", [_coordinator.Key.PublicKey], ["stories"], DateTimeOffset.UtcNow);
            _coordinator.Bundle = () => bundle;
            await Refused(Pinned(), "not the one first seen for it"); // a new client, the same file
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task d_The_coordinator_relabels_the_provider()
    {
        _coordinator.ListedProviderId = "premium-provider";
        await Refused(Client(), "premium-provider is listed with a bundle of another provider, \"stand-in-provider\"");
    }

    [Theory]
    [InlineData("not base64url", "decode: the bundle's body and signature are not both base64url strings")]
    [InlineData("random bytes", "stand-in-provider's bundle failed: decode: ")]
    [InlineData("flipped signature", "stand-in-provider's bundle failed: signature: The ECDSA P-256 signature over the body does not verify")]
    [InlineData("altered body", "stand-in-provider's bundle failed: signature: ")]
    public async Task e_The_coordinator_lists_a_garbage_bundle(string how, string why)
    {
        var honest = _coordinator.HonestBundle();
        var body = honest.Body.ToArray();
        var signature = honest.Signature.ToArray();
        switch (how)
        {
            case "not base64url":
                _coordinator.RawBundle = new { body = "!!!", signature = "?" };
                break;
            case "random bytes":
                _coordinator.RawBundle = new { body = Base64Url.EncodeToString(new byte[300]), signature = Base64Url.EncodeToString(new byte[64]) };
                break;
            case "flipped signature":
                signature[5] ^= 1;
                _coordinator.RawBundle = new { body = Base64Url.EncodeToString(body), signature = Base64Url.EncodeToString(signature) };
                break;
            default:
                body[^20] ^= 1; // inside the timestamp: still well-formed, no longer what was signed
                _coordinator.RawBundle = new { body = Base64Url.EncodeToString(body), signature = Base64Url.EncodeToString(signature) };
                break;
        }
        await Refused(Client(), why);
    }

    [Fact]
    public async Task A_bundle_that_does_not_list_the_model_is_refused()
    {
        var bundle = TestBundles.Make(_coordinator.Identity, StandInCoordinator.ProviderId, [_coordinator.Key.PublicKey], ["other-model"], DateTimeOffset.UtcNow);
        _coordinator.Bundle = () => bundle;
        await Refused(Client(), "stand-in-provider's bundle does not list model 'stories'");
    }

    [Fact]
    public async Task A_key_without_a_bundle_is_refused_unless_the_minimum_is_none()
    {
        _coordinator.Bundle = () => null;
        await Refused(Client(), $"stand-in-provider offers no attestation bundle for key {_coordinator.Key.PublicKey.KeyId}");
        Assert.Contains("echo: ", await Send(Client(TrustLevel.None)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_signature_does_not_ride_on_the_cached_verdict_of_the_good_one()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var honest = _coordinator.HonestBundle(clock.GetUtcNow());
        _coordinator.Bundle = () => honest;
        var client = Client(time: clock);
        await Send(client);
        _coordinator.WireBodies.Clear();
        var signature = honest.Signature.ToArray();
        signature[^1] ^= 1;
        _coordinator.Bundle = () => null;
        _coordinator.RawBundle = new { body = Base64Url.EncodeToString(honest.Body), signature = Base64Url.EncodeToString(signature) };
        await Refused(client, "signature: ");
    }
}
