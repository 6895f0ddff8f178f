using System.Buffers.Text;
using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Hub;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Attestation;
using Umbra.Provider.Identity;
using Umbra.Provider.Tests.Identity.Tpm.Support;

namespace Umbra.Provider.Tests.Attestation;

/// <summary>Bundles made by the provider's attestor, checked by the verifier that coordinators and clients run.</summary>
public sealed class ProviderAttestorTests
{
    internal static ProviderAttestor Attestor(IProviderKeySource keys, InferenceKeyring keyring) =>
        new("prov-test", keys, keyring, ProviderAttestor.MeasureRuntime(), new Umbra.Protocol.Attestation.HardwareClaim("test cpu", 2, 1L << 30),
            [new ModelClaim("test-model", new byte[32])]);

    internal static VerificationResult Verify(SignedBlob blob, byte[] nonce, X509Certificate2Collection? tpmRoots = null) =>
        BundleVerifier.Verify(Base64Url.DecodeFromChars(blob.Body), Base64Url.DecodeFromChars(blob.Signature),
            new VerificationPolicy { ExpectedNonce = nonce, TpmRoots = tpmRoots ?? [] });

    [Fact]
    public void A_software_bundle_verifies_as_self_signed_with_the_posture_and_keys_it_claims()
    {
        using var keys = SoftwareKeySource.Ephemeral();
        using var keyring = new InferenceKeyring([keys.CreateInferenceKey()]);
        using var attestor = Attestor(keys, keyring);
        byte[] nonce = [1, 2, 3, 4, 5, 6, 7, 8];

        var result = Verify(attestor.Attest(nonce), nonce);

        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.SelfSigned, result.TrustLevel);
        Assert.Equal("prov-test", result.Claims!.ProviderId);
        Assert.Equal(keyring.Infos[0].KeyId, Assert.Single(result.Claims.InferenceKeys).KeyId);
        Assert.NotNull(result.Claims.Posture["dumpable"]);
        Assert.False(Verify(attestor.Attest(nonce), [9, 9, 9]).Valid);
    }

    [Fact]
    public void Rotation_announces_a_new_key_and_keeps_the_old_one_for_requests_in_flight()
    {
        using var keys = SoftwareKeySource.Ephemeral();
        using var keyring = new InferenceKeyring([keys.CreateInferenceKey()]);
        using var attestor = Attestor(keys, keyring);
        var old = keyring.PublicKeys[0];
        var (envelope, pending) = RequestSealer.Seal("{}"u8, RequestMetadata.Create(RequestEndpoints.ChatCompletions, "m", 8, false), [old]);
        using var _ = pending;
        var changed = 0;
        attestor.Changed += (_, _) => changed++;

        attestor.Rotate(TimeSpan.FromHours(1));

        Assert.Equal(1, changed);
        var fresh = Assert.Single(keyring.Infos);
        Assert.NotEqual(old.KeyId, fresh.KeyId);
        var bundle = Verify(attestor.Attest([7]), [7]);
        Assert.Equal(fresh.KeyId, Assert.Single(bundle.Claims!.InferenceKeys).KeyId);
        // Sealed under the old key before the rotation: still opens until the key is retired.
        using (keyring.Open(SealedRequestEnvelope.Parse(envelope.ToUtf8Json()))) { }
        keyring.Retire([old.KeyId]);
        Assert.Empty(keyring.RetiringKeyIds);
    }
}

public sealed class ProviderAttestorRetirementTests
{
    [Fact]
    public async Task A_retired_key_is_forgotten_when_its_grace_period_ends()
    {
        using var keys = SoftwareKeySource.Ephemeral();
        using var keyring = new InferenceKeyring([keys.CreateInferenceKey()]);
        using var attestor = ProviderAttestorTests.Attestor(keys, keyring);
        var old = keyring.Infos[0].KeyId;

        attestor.Rotate(TimeSpan.FromMilliseconds(50));
        Assert.Equal([old], keyring.RetiringKeyIds);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (keyring.RetiringKeyIds.Count > 0)
            await Task.Delay(10, timeout.Token);
        Assert.NotEqual(old, Assert.Single(keyring.Infos).KeyId);
    }
}

/// <summary>The same, with keys inside a real (software) TPM: the verifier accepts its quote and certifications.</summary>
[Collection(SwtpmCollection.Name)]
public sealed class TpmAttestorTests(SwtpmServer swtpm)
{
    [SwtpmFact]
    public void A_tpm_bundle_verifies_at_hardware_and_its_inference_key_opens_requests_inside_the_tpm()
    {
        using var keys = TpmKeySource.Open(swtpm.Options());
        using var keyring = new InferenceKeyring([keys.CreateInferenceKey()]);
        using var attestor = ProviderAttestorTests.Attestor(keys, keyring);
        byte[] nonce = [42, 42, 42, 42];

        var result = ProviderAttestorTests.Verify(attestor.Attest(nonce), nonce);

        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.Hardware, result.TrustLevel);

        var body = "{\"model\":\"m\"}"u8.ToArray();
        var (envelope, pending) = RequestSealer.Seal(body, RequestMetadata.Create(RequestEndpoints.ChatCompletions, "m", 8, false), [keyring.PublicKeys[0]]);
        using var _ = pending;
        using var opened = keyring.Open(SealedRequestEnvelope.Parse(envelope.ToUtf8Json()));
        Assert.Equal(body, opened.Body.ToArray());
    }

    [SwtpmFact]
    public void With_the_ek_certificate_chained_to_a_configured_root_the_level_is_hardware_certified()
    {
        // swtpm_setup provisions an EK certificate from its local CA on Debian; the fixture records whether it did.
        Assert.True(swtpm.EkCertificateProvisioned && swtpm.LocalCaRootPem != null, "swtpm_setup made no EK certificate: " + swtpm.SetupLog);
        using var root = X509Certificate2.CreateFromPem(swtpm.LocalCaRootPem!);
        var options = swtpm.Options() with
        {
            EkChain = swtpm.LocalCaIssuerPem is { } issuer && issuer != swtpm.LocalCaRootPem ? [X509Certificate2.CreateFromPem(issuer).RawData] : [],
        };
        using var keys = TpmKeySource.Open(options);
        using var keyring = new InferenceKeyring([keys.CreateInferenceKey()]);
        using var attestor = ProviderAttestorTests.Attestor(keys, keyring);
        byte[] nonce = [1];

        var result = ProviderAttestorTests.Verify(attestor.Attest(nonce), nonce, [root]);

        Assert.True(result.Valid, result.FailureReason);
        Assert.Equal(TrustLevel.HardwareCertified, result.TrustLevel);
        Assert.Equal(TrustLevel.Hardware, ProviderAttestorTests.Verify(attestor.Attest(nonce), nonce).TrustLevel);
    }
}
