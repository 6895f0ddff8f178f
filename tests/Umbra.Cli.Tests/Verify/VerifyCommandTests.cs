using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Umbra.Cli.Tests.Support;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Cli.Tests.Verify;

/// <summary>`umbra verify` run as a real process over bundles and receipts made here: 0 valid, 1 invalid, 2 usage.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly SoftwareAttestationSigner _identity = SoftwareAttestationSigner.Generate();
    private readonly HpkePrivateKey _key = HpkePrivateKey.Generate();

    public void Dispose()
    {
        _identity.Dispose();
        _key.Dispose();
        _home.Dispose();
    }

    private Task<CliResult> Umbra(params string[] args) => ProcessRunner.RunAsync(_home, ["verify", .. args]);

    private AttestationBundle Bundle(DateTimeOffset? at = null, byte[]? nonce = null, string provider = "prov-a", SoftwareAttestationSigner? identity = null)
    {
        identity ??= _identity;
        var claims = new AttestationClaims(provider, identity.PublicKey,
            [new InferenceKeyClaim(_key.PublicKey.KeyId, _key.PublicKey.Export(), SealingSuites.Aes256GcmName, 0)],
            new Measurement(new byte[32], []), Posture.Empty, new HardwareClaim("cpu", 2, 1 << 30),
            [new ModelClaim("stories", new byte[32])], (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(), nonce ?? []);
        return BundleSigner.Create(claims, identity, NoEvidence.Instance);
    }

    private string Save(string name, string text)
    {
        var path = _home.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Save(string name, byte[] bytes)
    {
        var path = _home.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertInvalid(CliResult result, string failedStep)
    {
        Assert.True(result.ExitCode == 1, $"Expected exit code 1. {result}");
        Assert.Contains($"✗ {failedStep}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("INVALID: ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_bundle_passes_every_step_and_says_what_its_level_means()
    {
        var result = (await Umbra("--bundle", Save("b.json", Bundle().ToJson()))).AssertSuccess();
        foreach (var step in (string[])["decode", "signature", "freshness", "nonce", "key binding", "measurement", "evidence", "certificate chain", "trust level"])
            Assert.Contains($"✓ {step}: ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"VALID: trust level self_signed: {BundleVerifier.Meaning(TrustLevel.SelfSigned)}", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("✗", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_bundle_fails_the_signature_step()
    {
        var bundle = Bundle();
        var body = bundle.Body.ToArray();
        body[^20] ^= 1; // inside the timestamp
        var json = $$"""{"body":"{{Base64Url.EncodeToString(body)}}","signature":"{{Base64Url.EncodeToString(bundle.Signature)}}"}""";
        var result = await Umbra("--bundle", Save("b.json", json));
        AssertInvalid(result, "signature: The ECDSA P-256 signature over the body does not verify");
        Assert.Contains("Trust level none", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_bundle_fails_freshness_unless_judged_at_the_time_it_was_saved()
    {
        var made = DateTimeOffset.UtcNow.AddHours(-3);
        var path = Save("b.json", Bundle(made).ToJson());
        AssertInvalid(await Umbra("--bundle", path), "freshness: The bundle is dated");
        (await Umbra("--bundle", path, "--now", made.AddMinutes(1).ToString("O"))).AssertSuccess();
        (await Umbra("--bundle", path, "--max-age", "240")).AssertSuccess();
    }

    [Fact]
    public async Task The_nonce_must_be_the_one_given()
    {
        var path = Save("b.json", Bundle(nonce: [0x01, 0x02, 0x03]).ToJson());
        AssertInvalid(await Umbra("--bundle", path, "--nonce", "0a0b0c"), "nonce: The bundle's nonce is not the challenge");
        var ok = (await Umbra("--bundle", path, "--nonce", "010203")).AssertSuccess();
        Assert.Contains("✓ nonce: The bundle carries the challenge", ok.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_is_an_invalid_bundle()
    {
        AssertInvalid(await Umbra("--bundle", Save("b.json", "{not json at all")), "decode: The file is not JSON");
        AssertInvalid(await Umbra("--bundle", Save("c.json", """{"body":"AAAA","signature":"AAAA"}""")), "decode: ");
    }

    [Fact]
    public async Task An_entry_of_the_attestation_list_is_picked_by_provider()
    {
        string Entry(string id, AttestationBundle? b) =>
            $$"""{"provider_id":"{{id}}","routable":true,"trust_level":"hardware","attested":{{(b is null ? "false" : "true")}},"bundle":{{(b is null ? "null" : b.ToJson())}},"bundle_hash":null,"evidence":"none","models":["stories"],"key_ids":[],"last_challenge":null}""";
        var list = Save("list.json", $$"""{"object":"list","minimum_trust":"self_signed","data":[{{Entry("prov-a", Bundle())}},{{Entry("prov-b", null)}},{{Entry("prov-c", Bundle(provider: "prov-a"))}}]}""");

        (await Umbra("--bundle", list, "--provider", "prov-a")).AssertSuccess();
        AssertInvalid(await Umbra("--bundle", list, "--provider", "prov-b"), "decode: ");
        AssertInvalid(await Umbra("--bundle", list, "--provider", "prov-c"), "provider: The entry is listed as provider \"prov-c\" but the bundle is provider \"prov-a\"'s");
        var ambiguous = await Umbra("--bundle", list);
        Assert.True(ambiguous.ExitCode == 2, ambiguous.ToString());
        Assert.Contains("name one with --provider", ambiguous.Stderr, StringComparison.Ordinal);
        (await Umbra("--bundle", Save("entry.json", Entry("prov-a", Bundle())))).AssertSuccess();
    }

    [Fact]
    public async Task A_receipt_is_checked_against_the_bundle_and_its_macs_recomputed()
    {
        var bundle = Bundle();
        var macKey = RandomNumberGenerator.GetBytes(32);
        var request = """{"model":"stories","messages":[{"role":"user","content":"hi"}]}"""u8.ToArray();
        var response = """{"choices":[{"delta":{"content":"Once"}}]}{"choices":[{"delta":{"content":" upon"}}]}"""u8.ToArray();
        var receipt = ReceiptSigner.Create(new ReceiptClaims("req-1", "prov-a", "stories", new byte[32],
            ReceiptMac.Compute(macKey, request), ReceiptMac.Compute(macKey, response), 5, 2, bundle.Hash.ToArray(),
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), _identity);
        var token = Base64Url.EncodeToString(receipt.ToUtf8Json());
        var b = Save("b.json", bundle.ToJson());
        var rq = Save("request.json", request);
        var rs = Save("response.bin", response);

        var signatureOnly = (await Umbra("--bundle", b, "--receipt", token)).AssertSuccess();
        Assert.Contains("✓ receipt signature: ", signatureOnly.Stdout, StringComparison.Ordinal);
        Assert.Contains("✓ receipt bundle: ", signatureOnly.Stdout, StringComparison.Ordinal);
        Assert.Contains("receipt macs: Not checked", signatureOnly.Stdout, StringComparison.Ordinal);

        var full = (await Umbra("--bundle", b, "--receipt", Save("receipt.json", receipt.ToJson()), "--receipt-key", Convert.ToHexString(macKey), "--request", rq, "--response", rs)).AssertSuccess();
        Assert.Contains("✓ request mac: ", full.Stdout, StringComparison.Ordinal);
        Assert.Contains("✓ response mac: ", full.Stdout, StringComparison.Ordinal);
        Assert.Contains("Its MACs match this request and response.", full.Stdout, StringComparison.Ordinal);

        AssertInvalid(await Umbra("--bundle", b, "--receipt", token, "--receipt-key", Convert.ToHexString(macKey), "--request", rq, "--response", rq), "response mac: ");

        using var other = SoftwareAttestationSigner.Generate();
        var forged = ReceiptSigner.Create(receipt.Claims, other);
        AssertInvalid(await Umbra("--bundle", b, "--receipt", forged.ToJson()), "receipt signature: ");
        AssertInvalid(await Umbra("--bundle", Save("b2.json", Bundle().ToJson()), "--receipt", token), "receipt bundle: The receipt names bundle ");
        AssertInvalid(await Umbra("--bundle", b, "--receipt", "not-a-receipt"), "receipt decode: ");
    }

    [Fact]
    public async Task Usage_errors_exit_with_2()
    {
        var b = Save("b.json", Bundle().ToJson());
        foreach (var args in (string[][])[[], ["--bundle", _home.File("missing.json")], ["--bundle", b, "--nonce", "xyz"], ["--bundle", b, "--max-age", "-1"],
                     ["--bundle", b, "--now", "yesterday"], ["--bundle", b, "--receipt-key", "00"], ["--bundle", b, "extra"], ["--bundle", b, "--tpm-root", _home.File("none.pem")]])
        {
            var result = await Umbra(args);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: {result}");
            Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        }
    }
}
