using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Bench;

/// <summary>
/// What verifying an attestation bundle costs a client or the coordinator: a self_signed bundle (one signature)
/// and a tpm2 bundle (identity signature, quote, and three certifications: four more ECDSA verifications).
/// Budget: a verification allocates well under 64 KiB.
/// </summary>
[MemoryDiagnoser]
public class AttestationBenchmarks
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private AttestationBundle _selfSigned = null!;
    private AttestationBundle _tpm = null!;
    private VerificationPolicy _policy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = new VerificationPolicy { TimeProvider = new FixedTime(Now) };
        using var signer = SoftwareAttestationSigner.Generate();
        _selfSigned = BundleSigner.Create(Claims(signer), signer, NoEvidence.Instance);
        _tpm = BundleSigner.Create(Claims(signer), signer, new BenchTpm());
        if (BundleVerifier.Verify(_tpm, _policy).TrustLevel != TrustLevel.Hardware)
            throw new InvalidOperationException("The benchmark's TPM bundle does not verify.");
    }

    [Benchmark(Baseline = true, Description = "verify self_signed bundle")]
    public bool VerifySelfSigned() => BundleVerifier.Verify(_selfSigned, _policy).Valid;

    [Benchmark(Description = "verify tpm2 bundle (quote + 3 certifications)")]
    public bool VerifyTpm() => BundleVerifier.Verify(_tpm, _policy).Valid;

    [Benchmark(Description = "decode bundle body")]
    public int Decode() => BundleEncoding.Decode(_tpm.Body).Claims.InferenceKeys.Count;

    private static AttestationClaims Claims(SoftwareAttestationSigner signer)
    {
        InferenceKeyClaim Key()
        {
            using var key = HpkePrivateKey.Generate();
            return new InferenceKeyClaim(key.PublicKey.KeyId, key.PublicKey.Export(), SealingSuites.Aes256GcmName, Now.AddHours(1).ToUnixTimeMilliseconds());
        }
        var assemblies = Enumerable.Range(0, 40).Select(i => new AssemblyMeasurement($"Assembly{i:d2}", SHA256.HashData([(byte)i]))).ToArray();
        return new AttestationClaims(
            "bench-provider", signer.PublicKey, [Key(), Key()],
            new Measurement(SHA256.HashData("exe"u8), assemblies),
            new Posture([new PostureItem(PostureVocabulary.CoreDumps, "disabled"), new PostureItem(PostureVocabulary.Tracer, "none")]),
            new HardwareClaim("bench cpu", 16, 64L << 30),
            [new ModelClaim("llama-3.2-1b", SHA256.HashData("w"u8))],
            Now.ToUnixTimeMilliseconds(), []);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Marshals a quote and certifications the way a TPM would, signed by an in-memory AK.</summary>
    private sealed class BenchTpm : IEvidenceSource
    {
        private const uint Resident = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6);
        private static readonly int[] PcrIndices = [0, 7];
        private static readonly byte[] PcrSelect = [3, 0x81, 0, 0]; // sizeofSelect 3, PCRs 0 and 7
        private static readonly byte[] Safe = [1];
        private readonly ECDsa _ak = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public string Kind => EvidenceKinds.Tpm2;

        public PlatformEvidence Collect(ReadOnlySpan<byte> bindingDigest, AttestationClaims claims)
        {
            var digest = bindingDigest.ToArray();
            var pcrs = PcrIndices.Select(i => new TpmPcrValue((byte)i, SHA256.HashData([(byte)i]))).ToArray();
            var quoteInfo = Concat(U32(1), U16(0x000B), PcrSelect, B2(SHA256.HashData(pcrs.SelectMany(p => p.Sha256).ToArray())));
            var quote = Attest(0x8017 + 1, digest, quoteInfo);
            var certifications = new List<TpmCertification> { Certify(TpmCertification.IdentityRole, claims.IdentityKey, Resident | (1 << 18), digest) };
            certifications.AddRange(claims.InferenceKeys.Select(k => Certify(TpmCertification.InferenceRole(k.KeyId), k.PublicKey, Resident | (1 << 17), digest)));
            var q = _ak.ExportParameters(false).Q;
            var akPublic = Public([0x04, .. q.X!, .. q.Y!], Resident | (1 << 16) | (1 << 18));
            return new TpmEvidence(akPublic, quote, Signature(quote), pcrs, certifications, [], []).ToPlatformEvidence();
        }

        private TpmCertification Certify(string role, byte[] point, uint attributes, byte[] digest)
        {
            var objectPublic = Public(point, attributes);
            byte[] name = [0x00, 0x0B, .. SHA256.HashData(objectPublic)];
            var attest = Attest(0x8017, digest, Concat(B2(name), B2(name)));
            return new TpmCertification(role, objectPublic, attest, Signature(attest));
        }

        private byte[] Signature(byte[] attest)
        {
            var rs = _ak.SignHash(SHA256.HashData(attest), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return Concat(U16(0x0018), U16(0x000B), B2(rs[..32]), B2(rs[32..]));
        }

        private static byte[] Public(byte[] point, uint attributes)
        {
            var scheme = (attributes & (1 << 18)) != 0 ? Concat(U16(0x0018), U16(0x000B)) : U16(0x0010);
            return Concat(U16(0x0023), U16(0x000B), U32(attributes), U16(0), U16(0x0010), scheme, U16(0x0003), U16(0x0010), B2(point[1..33]), B2(point[33..]));
        }

        private static byte[] Attest(int type, byte[] extraData, byte[] attested) =>
            Concat(U32(0xFF544347), U16(type), B2([0x00, 0x0B, .. new byte[32]]), B2(extraData), new byte[8 + 4 + 4], Safe, new byte[8], attested);

        private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

        private static byte[] U32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

        private static byte[] B2(byte[] b) => Concat(U16(b.Length), b);

        private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    }
}
