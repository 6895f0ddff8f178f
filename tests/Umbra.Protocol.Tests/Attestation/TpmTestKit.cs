using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Umbra.Protocol.Attestation;

namespace Umbra.Protocol.Tests.Attestation;

/// <summary>What a test TPM gets wrong on purpose; the defaults make valid evidence.</summary>
internal sealed record TpmFaults
{
    public byte[]? QuoteExtraData { get; init; }
    public byte[]? CertifyExtraData { get; init; }
    public byte[]? PcrDigest { get; init; }
    public uint AkAttributes { get; init; } = TpmMarshal.AkAttributes;
    public uint IdentityAttributes { get; init; } = TpmMarshal.IdentityAttributes;
    public uint InferenceAttributes { get; init; } = TpmMarshal.InferenceAttributes;
    public bool OmitIdentity { get; init; }
    public bool OmitInference { get; init; }
    public ECDsa? QuoteSigner { get; init; }
    public byte[]? IdentityPointOverride { get; init; }
    public string? ExtraRole { get; init; }
    public byte[]? EkCertificate { get; init; }
    public IReadOnlyList<byte[]> EkChain { get; init; } = [];
}

/// <summary>A TPM simulated in the test: an AK, PCRs, and the quote and certifications a TPM would produce.</summary>
internal sealed class TestTpm(TpmFaults? faults = null) : IEvidenceSource
{
    public static readonly int[] PcrIndices = [0, 2, 7];

    public ECDsa Ak { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TpmFaults Faults { get; } = faults ?? new TpmFaults();

    public string Kind => EvidenceKinds.Tpm2;

    public TpmEvidence LastEvidence { get; private set; } = null!;

    public PlatformEvidence Collect(ReadOnlySpan<byte> bindingDigest, AttestationClaims claims)
    {
        var digest = bindingDigest.ToArray();
        var pcrs = PcrIndices.Select(i => new TpmPcrValue((byte)i, SHA256.HashData([(byte)i]))).ToArray();
        var pcrDigest = Faults.PcrDigest ?? SHA256.HashData(pcrs.SelectMany(p => p.Sha256).ToArray());
        var quote = TpmMarshal.Attest(0x8018, Faults.QuoteExtraData ?? digest, TpmMarshal.QuoteInfo(PcrIndices, pcrDigest));

        var certifications = new List<TpmCertification>();
        if (!Faults.OmitIdentity)
            certifications.Add(Certify(TpmCertification.IdentityRole, Faults.IdentityPointOverride ?? claims.IdentityKey, Faults.IdentityAttributes, digest));
        if (!Faults.OmitInference)
        {
            foreach (var key in claims.InferenceKeys)
                certifications.Add(Certify(TpmCertification.InferenceRole(key.KeyId), key.PublicKey, Faults.InferenceAttributes, digest));
        }
        if (Faults.ExtraRole != null)
            certifications.Add(Certify(Faults.ExtraRole, claims.IdentityKey, Faults.IdentityAttributes, digest));

        LastEvidence = new TpmEvidence(
            TpmMarshal.EccPublic(TpmMarshal.Point(Ak), Faults.AkAttributes),
            quote,
            TpmMarshal.Signature(Faults.QuoteSigner ?? Ak, quote),
            pcrs,
            certifications,
            Faults.EkCertificate ?? [],
            Faults.EkChain);
        return LastEvidence.ToPlatformEvidence();
    }

    private TpmCertification Certify(string role, byte[] point, uint attributes, byte[] digest)
    {
        var objectPublic = TpmMarshal.EccPublic(point, attributes);
        var attest = TpmMarshal.Attest(0x8017, Faults.CertifyExtraData ?? digest, TpmMarshal.CertifyInfo(objectPublic));
        return new TpmCertification(role, objectPublic, attest, TpmMarshal.Signature(Ak, attest));
    }
}

/// <summary>Certificate chains made in the test: root → intermediate → leaf.</summary>
internal static class TestPki
{
    public static X509Certificate2 Root(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(AttestationTestKit.Now.AddYears(-1), AttestationTestKit.Now.AddYears(10));
    }

    public static X509Certificate2 Intermediate(X509Certificate2 issuer, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var issued = request.Create(issuer, AttestationTestKit.Now.AddYears(-1), AttestationTestKit.Now.AddYears(5), RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A leaf for <paramref name="subjectKey"/> issued by <paramref name="issuer"/>, with any extra extensions.</summary>
    public static X509Certificate2 Leaf(X509Certificate2 issuer, string name, ECDsa subjectKey, params X509Extension[] extensions)
    {
        var request = new CertificateRequest($"CN={name}", subjectKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        foreach (var extension in extensions)
            request.CertificateExtensions.Add(extension);
        return request.Create(issuer, AttestationTestKit.Now.AddDays(-30), AttestationTestKit.Now.AddYears(2), RandomNumberGenerator.GetBytes(8));
    }
}
