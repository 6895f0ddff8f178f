using System.Net;
using System.Text;
using System.Text.Json;
using Umbra.Coordinator.Tests.Infrastructure;
using Umbra.Protocol.Attestation;

namespace Umbra.Coordinator.Tests.Service;

/// <summary>
/// Challenges and trust at the coordinator: a provider is routed to only after answering a fresh challenge with a
/// bundle at the operator's minimum level, and leaves routing when it misses one, lies about who it is, or its
/// posture gets worse; everyone can read every provider's bundle; responses say who served them and how trusted.
/// </summary>
public sealed class AttestationTests
{
    private static Task<TestCoordinator> StartAsync(TrustLevel minimum, TimeSpan? interval = null) =>
        TestCoordinator.StartAsync(o =>
        {
            o.MinimumTrust = minimum;
            o.ChallengeInterval = interval ?? TimeSpan.FromMinutes(5);
            o.ChallengeDeadline = TimeSpan.FromSeconds(2);
        });

    private static async Task<JsonElement> AttestationListAsync(TestCoordinator coordinator)
    {
        // Public: no API key.
        using var anonymous = new HttpClient { BaseAddress = coordinator.BaseAddress };
        using var doc = JsonDocument.Parse(await anonymous.GetStringAsync(new Uri("/v1/providers/attestation", UriKind.Relative)));
        return doc.RootElement.Clone();
    }

    private static async Task<JsonElement> ProviderEntryAsync(TestCoordinator coordinator, string id, Func<JsonElement, bool> until)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Request);
        while (true)
        {
            var list = await AttestationListAsync(coordinator);
            foreach (var p in list.GetProperty("data").EnumerateArray())
            {
                if (p.GetProperty("provider_id").GetString() == id && until(p))
                    return p;
            }
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<HttpResponseMessage> ChatAsync(TestCoordinator coordinator)
    {
        using var content = new StringContent("""{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
        return await coordinator.Client().PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content);
    }

    [Fact]
    public async Task An_attested_provider_is_challenged_routed_and_named_in_every_response()
    {
        await using var coordinator = await StartAsync(TrustLevel.SelfSigned);
        ScriptedAttestor? attestor = null;
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-a", attestor: key => attestor = new ScriptedAttestor("prov-a", key, "test-model"));
        using var _ = attestor;

        var entry = await ProviderEntryAsync(coordinator, "prov-a", p => p.GetProperty("routable").GetBoolean());
        Assert.Equal("self_signed", entry.GetProperty("trust_level").GetString());
        Assert.True(entry.GetProperty("attested").GetBoolean());
        Assert.Equal("none", entry.GetProperty("evidence").GetString());
        Assert.True(entry.GetProperty("last_challenge").GetProperty("passed").GetBoolean());
        // The published bundle verifies for anyone, at the level the coordinator reports.
        var bundle = entry.GetProperty("bundle");
        var verified = BundleVerifier.Verify(System.Buffers.Text.Base64Url.DecodeFromChars(bundle.GetProperty("body").GetString()),
            System.Buffers.Text.Base64Url.DecodeFromChars(bundle.GetProperty("signature").GetString()), new VerificationPolicy());
        Assert.True(verified.Valid, verified.FailureReason);
        Assert.Equal(entry.GetProperty("bundle_hash").GetString(), verified.BundleHash);

        using var response = await ChatAsync(coordinator);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("prov-a", response.Headers.GetValues("X-Umbra-Provider").Single());
        Assert.Equal("self_signed", response.Headers.GetValues("X-Umbra-Trust-Level").Single());
        Assert.Equal("true", response.Headers.GetValues("X-Umbra-Attested").Single());
        Assert.Equal(verified.BundleHash, response.Headers.GetValues("X-Umbra-Bundle-Hash").Single());
    }

    [Fact]
    public async Task Below_the_operators_minimum_nothing_is_sent_and_the_error_says_why()
    {
        await using var coordinator = await StartAsync(TrustLevel.Hardware);
        ScriptedAttestor? attestor = null;
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-soft", attestor: key => attestor = new ScriptedAttestor("prov-soft", key, "test-model"));
        using var _ = attestor;

        var entry = await ProviderEntryAsync(coordinator, "prov-soft", p => p.GetProperty("last_challenge").ValueKind == JsonValueKind.Object);
        Assert.False(entry.GetProperty("routable").GetBoolean());
        Assert.Contains("below this coordinator's minimum, hardware", entry.GetProperty("last_challenge").GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var response = await ChatAsync(coordinator);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("insufficient_trust", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task A_provider_without_attestation_is_not_routed_when_the_minimum_is_self_signed()
    {
        await using var coordinator = await StartAsync(TrustLevel.SelfSigned);
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-legacy");

        var entry = await ProviderEntryAsync(coordinator, "prov-legacy", p => p.GetProperty("last_challenge").ValueKind == JsonValueKind.Object);
        Assert.False(entry.GetProperty("routable").GetBoolean());
        Assert.Equal("none", entry.GetProperty("trust_level").GetString());
        using var response = await ChatAsync(coordinator);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, provider.Handler.Requests);
    }

    [Fact]
    public async Task A_missed_challenge_takes_the_provider_out_of_routing_until_it_passes_again()
    {
        await using var coordinator = await StartAsync(TrustLevel.SelfSigned, interval: TimeSpan.FromMilliseconds(300));
        ScriptedAttestor? attestor = null;
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-b", attestor: key => attestor = new ScriptedAttestor("prov-b", key, "test-model"));
        using var _ = attestor;
        await ProviderEntryAsync(coordinator, "prov-b", p => p.GetProperty("routable").GetBoolean());

        attestor!.Silent = true;
        var missed = await ProviderEntryAsync(coordinator, "prov-b", p => !p.GetProperty("routable").GetBoolean());
        Assert.Contains("no answer within", missed.GetProperty("last_challenge").GetProperty("detail").GetString(), StringComparison.Ordinal);
        using (var refused = await ChatAsync(coordinator))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);

        attestor.Silent = false;
        await ProviderEntryAsync(coordinator, "prov-b", p => p.GetProperty("routable").GetBoolean());
        using var served = await ChatAsync(coordinator);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task A_posture_that_got_worse_takes_the_provider_out_of_routing()
    {
        await using var coordinator = await StartAsync(TrustLevel.SelfSigned, interval: TimeSpan.FromMilliseconds(300));
        ScriptedAttestor? attestor = null;
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-c", attestor: key => attestor = new ScriptedAttestor("prov-c", key, "test-model"));
        using var _ = attestor;
        await ProviderEntryAsync(coordinator, "prov-c", p => p.GetProperty("routable").GetBoolean());

        attestor!.Posture = [.. ScriptedAttestor.GoodPosture.Where(i => i.Name != "tracer"), new PostureItem("tracer", "attached")];
        var worse = await ProviderEntryAsync(coordinator, "prov-c", p => !p.GetProperty("routable").GetBoolean());
        Assert.Contains("posture got worse", worse.GetProperty("last_challenge").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("tracer", worse.GetProperty("last_challenge").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bundle_naming_another_provider_fails_the_challenge()
    {
        await using var coordinator = await StartAsync(TrustLevel.SelfSigned);
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-d",
            attestor: key => new ScriptedAttestor("prov-d", key, "test-model") { ClaimedProviderId = "prov-someone-else" });

        var entry = await ProviderEntryAsync(coordinator, "prov-d", p => p.GetProperty("last_challenge").ValueKind == JsonValueKind.Object);
        Assert.False(entry.GetProperty("routable").GetBoolean());
        Assert.Contains("prov-someone-else", entry.GetProperty("last_challenge").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_key_is_challenged_and_then_offered_instead_of_the_old_one()
    {
        await using var coordinator = await StartAsync(TrustLevel.SelfSigned);
        ScriptedAttestor? attestor = null;
        await using var provider = await TestProvider.StartAsync(coordinator, "prov-e", attestor: key => attestor = new ScriptedAttestor("prov-e", key, "test-model"));
        using var _ = attestor;
        var before = await ProviderEntryAsync(coordinator, "prov-e", p => p.GetProperty("routable").GetBoolean());
        Assert.Equal(provider.PublicKey.KeyId, before.GetProperty("key_ids")[0].GetString());
        int answers = attestor!.Answers;

        using var fresh = Umbra.Protocol.Sealing.HpkePrivateKey.Generate();
        attestor.Rotate(fresh.PublicKey);

        var after = await ProviderEntryAsync(coordinator, "prov-e", p => p.GetProperty("key_ids")[0].GetString() == fresh.PublicKey.KeyId);
        Assert.True(after.GetProperty("routable").GetBoolean());
        Assert.True(attestor.Answers > answers);
    }
}
