using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Sealing;
using Umbra.Provider.Identity.Tpm;
using Umbra.Provider.Tests.Identity.Tpm.Support;

namespace Umbra.Provider.Tests.Identity.Tpm;

[Collection(SwtpmCollection.Name)]
public class TpmKeyProviderTests(SwtpmServer swtpm)
{
    private const uint FixedTpm = 1u << 1, FixedParent = 1u << 4, SensitiveDataOrigin = 1u << 5,
        UserWithAuth = 1u << 6, Restricted = 1u << 16, Decrypt = 1u << 17, Sign = 1u << 18;

    [SwtpmFact]
    public void Identity_signature_verifies_with_dotnet_ecdsa_over_the_data()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        byte[] data = "a bundle body to sign"u8.ToArray();

        byte[] signature = tpm.SignIdentity(data);

        Assert.Equal(64, signature.Length);
        byte[] point = tpm.IdentityPublicKey;
        Assert.Equal(65, point.Length);
        Assert.Equal(0x04, point[0]);
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
        Assert.True(ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256));
        Assert.False(ecdsa.VerifyData("something else"u8, signature, HashAlgorithmName.SHA256));
    }

    [SwtpmFact]
    public void Ecdh_zgen_equals_the_x_coordinate_dotnet_computes()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        using var key = tpm.CreateInferenceKey();
        byte[] tpmPoint = key.PublicKey;
        Assert.Equal(65, tpmPoint.Length);
        Assert.Equal(HpkePublicKey.Import(tpmPoint).KeyId, key.KeyId);

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ephemeral.ExportParameters(false).Q;
        byte[] peer = [0x04, .. q.X!, .. q.Y!];
        using var tpmPublic = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = tpmPoint[1..33], Y = tpmPoint[33..] },
        });
        byte[] expected = ephemeral.DeriveRawSecretAgreement(tpmPublic.PublicKey);

        var shared = new byte[32];
        key.Agree(peer, shared);

        Assert.Equal(expected, shared);
    }

    [SwtpmFact]
    public void Ecdh_with_a_point_off_the_curve_is_refused_by_the_tpm()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        using var key = tpm.CreateInferenceKey();
        byte[] bogus = new byte[65];
        bogus[0] = 0x04;
        bogus[64] = 1;

        var e = Assert.Throws<TpmException>(() => key.Agree(bogus, new byte[32]));
        Assert.Equal("TPM2_ECDH_ZGen", e.CommandName);
        Assert.NotNull(e.ResponseCode);
    }

    [SwtpmFact]
    public void Quote_and_certifications_parse_bind_the_digest_and_verify_with_the_attestation_key()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        using var first = tpm.CreateInferenceKey();
        using var second = tpm.CreateInferenceKey();
        byte[] digest = SHA256.HashData("binding bytes"u8);

        var evidence = tpm.Attest(digest, [first, second]);

        var ak = TpmTestStructures.ParsePublic(evidence.AkPublic);
        Assert.Equal(0x0023, ak.Type);
        Assert.Equal(0x000B, ak.NameAlg);
        Assert.Equal(0x0003, ak.Curve);
        uint akRequired = FixedTpm | FixedParent | SensitiveDataOrigin | Restricted | Sign;
        Assert.Equal(akRequired, ak.Attributes & akRequired);
        Assert.Equal(evidence.AkPublic, tpm.AttestationKeyPublic);

        var quote = TpmTestStructures.ParseAttest(evidence.QuoteAttest);
        Assert.Equal(0xFF544347u, quote.Magic);
        Assert.Equal(0x8018, quote.Type);
        Assert.Equal(digest, quote.ExtraData);
        Assert.Equal(0x000B, quote.PcrBank);
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x00 }, quote.PcrBitmap);
        Assert.True(TpmTestStructures.Verifies(evidence.AkPublic, evidence.QuoteAttest, evidence.QuoteSignature));
        byte[] tampered = [.. evidence.QuoteAttest];
        tampered[^1] ^= 1;
        Assert.False(TpmTestStructures.Verifies(evidence.AkPublic, tampered, evidence.QuoteSignature));

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], evidence.Pcrs.Select(p => p.Index));
        Assert.All(evidence.Pcrs, p => Assert.Equal(32, p.Value.Length));
        Assert.Equal(SHA256.HashData([.. evidence.Pcrs.SelectMany(p => p.Value)]), quote.PcrDigest);

        Assert.Equal(["identity", "inference:" + first.KeyId, "inference:" + second.KeyId], evidence.Certifications.Select(c => c.Role));
        byte[][] points = [tpm.IdentityPublicKey, first.PublicKey, second.PublicKey];
        for (int i = 0; i < evidence.Certifications.Count; i++)
        {
            var certification = evidence.Certifications[i];
            var certify = TpmTestStructures.ParseAttest(certification.CertifyAttest);
            Assert.Equal(0xFF544347u, certify.Magic);
            Assert.Equal(0x8017, certify.Type);
            Assert.Equal(digest, certify.ExtraData);
            byte[] expectedName = [0x00, 0x0B, .. SHA256.HashData(certification.ObjectPublic)];
            Assert.Equal(expectedName, certify.CertifiedName);
            Assert.True(TpmTestStructures.Verifies(evidence.AkPublic, certification.CertifyAttest, certification.CertifySignature));

            var key = TpmTestStructures.ParsePublic(certification.ObjectPublic);
            Assert.Equal(points[i], key.Point);
            uint resident = FixedTpm | FixedParent | SensitiveDataOrigin;
            Assert.Equal(resident, key.Attributes & resident);
            Assert.Equal(0u, key.Attributes & Restricted);
            Assert.Equal(i == 0 ? Sign : Decrypt, key.Attributes & (Sign | Decrypt));
        }
    }

    [SwtpmFact]
    public void Inference_key_public_area_is_a_tpm_bound_unrestricted_decrypt_key()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        using var key = tpm.CreateInferenceKey();

        var area = TpmTestStructures.ParsePublic(key.TpmPublic);

        uint required = FixedTpm | FixedParent | SensitiveDataOrigin | UserWithAuth | Decrypt;
        Assert.Equal(required, area.Attributes & required);
        Assert.Equal(0u, area.Attributes & (Restricted | Sign));
        Assert.Equal(key.PublicKey, area.Point);
    }

    [SwtpmFact]
    public void A_configured_pcr_list_is_quoted()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options(pcrs: [16, 0, 23, 10, 1, 2, 3, 4, 5, 6, 7]));
        byte[] digest = RandomNumberGenerator.GetBytes(32);

        var evidence = tpm.Attest(digest, []);

        // More than eight PCRs: PCR_Read has to be sent more than once.
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 10, 16, 23], evidence.Pcrs.Select(p => p.Index));
        var quote = TpmTestStructures.ParseAttest(evidence.QuoteAttest);
        Assert.Equal(new byte[] { 0xFF, 0x04, 0x81 }, quote.PcrBitmap);
        Assert.Equal(SHA256.HashData([.. evidence.Pcrs.SelectMany(p => p.Value)]), quote.PcrDigest);
        Assert.Single(evidence.Certifications);
    }

    [SwtpmFact]
    public void More_keys_than_the_tpm_has_slots_are_reloaded_on_use()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        var keys = Enumerable.Range(0, 5).Select(_ => tpm.CreateInferenceKey()).ToList();
        try
        {
            var evidence = tpm.Attest(new byte[32], keys);
            Assert.Equal(6, evidence.Certifications.Count);
            foreach (var key in keys)
            {
                using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
                var q = peer.ExportParameters(false).Q;
                var shared = new byte[32];
                key.Agree([0x04, .. q.X!, .. q.Y!], shared);
                Assert.NotEqual(new byte[32], shared);
            }
            Assert.Equal(64, tpm.SignIdentity("x"u8).Length);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [SwtpmFact]
    public void A_disposed_inference_key_cannot_be_used_or_attested()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        var key = tpm.CreateInferenceKey();
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Agree(tpm.IdentityPublicKey, new byte[32]));
        Assert.Throws<ObjectDisposedException>(() => tpm.Attest(new byte[32], [key]));
    }

    [SwtpmFact]
    public void Ek_certificate_is_read_from_nv_when_provisioned()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());

        var evidence = tpm.Attest(new byte[32], []);

        if (!swtpm.EkCertificateProvisioned)
        {
            Assert.Empty(evidence.EkCertificate);
            return;
        }
        Assert.NotEmpty(evidence.EkCertificate);
        using var certificate = X509CertificateLoader.LoadCertificate(evidence.EkCertificate);
        Assert.Equal(evidence.EkCertificate, certificate.RawData);
        Assert.Empty(evidence.EkChain);
        Assert.Equal(evidence.EkCertificate, tpm.EkCertificate);

        // It is swtpm's local CA that issued it: the chain reaches that root.
        using var root = X509Certificate2.CreateFromPem(swtpm.LocalCaRootPem!);
        using var issuer = X509Certificate2.CreateFromPem(swtpm.LocalCaIssuerPem!);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(issuer);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        bool built = chain.Build(certificate);
        Assert.True(built, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [SwtpmFact]
    public void Ek_chain_is_carried_as_configured_and_ek_reading_can_be_turned_off()
    {
        byte[] intermediate = [0x30, 0x03, 0x02, 0x01, 0x01];
        using var tpm = TpmKeyProvider.Open(swtpm.Options() with { EkChain = [intermediate], EkCertificateIndices = [] });

        var evidence = tpm.Attest(new byte[32], []);

        Assert.Empty(evidence.EkCertificate);
        Assert.Equal(intermediate, Assert.Single(evidence.EkChain));
    }

    [SwtpmFact]
    public void Concurrent_callers_are_served_one_command_at_a_time()
    {
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        using var key = tpm.CreateInferenceKey();
        byte[] point = tpm.IdentityPublicKey;
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });

        Parallel.For(0, 16, i =>
        {
            byte[] data = BitConverter.GetBytes(i);
            if (i % 2 == 0)
                Assert.True(ecdsa.VerifyData(data, tpm.SignIdentity(data), HashAlgorithmName.SHA256));
            else
                Assert.Equal(2, tpm.Attest(SHA256.HashData(data), [key]).Certifications.Count);
        });
    }

    [SwtpmFact]
    public void Invalid_arguments_are_refused_before_reaching_the_tpm()
    {
        TpmInferenceKey foreign;
        // swtpm serves one connection at a time, so the other provider is closed before this one opens.
        using (var other = TpmKeyProvider.Open(swtpm.Options()))
            foreign = other.CreateInferenceKey();
        using var tpm = TpmKeyProvider.Open(swtpm.Options());
        using var key = tpm.CreateInferenceKey();

        Assert.Throws<ArgumentException>(() => tpm.Attest(new byte[31], []));
        Assert.Throws<ArgumentException>(() => key.Agree(new byte[64], new byte[32]));
        Assert.Throws<ArgumentException>(() => key.Agree(tpm.IdentityPublicKey, new byte[31]));
        Assert.Throws<ArgumentException>(() => tpm.Attest(new byte[32], [foreign]));
        Assert.Throws<ArgumentException>(() => TpmKeyProvider.Open(new TpmOptions { SwtpmEndpoint = swtpm.Endpoint, Pcrs = [24] }));
        Assert.Throws<ArgumentException>(() => TpmKeyProvider.Open(new TpmOptions()));
    }
}
