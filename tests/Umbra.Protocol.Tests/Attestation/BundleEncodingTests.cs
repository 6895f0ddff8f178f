using System.Security.Cryptography;
using Umbra.Protocol.Attestation;

namespace Umbra.Protocol.Tests.Attestation;

public class BundleEncodingTests
{
    private static AttestationClaims GoldenClaims() => new(
        ProviderId: "p",
        IdentityKey: [0x04, .. Enumerable.Repeat((byte)0x01, 32), .. Enumerable.Repeat((byte)0x02, 32)],
        InferenceKeys: [new InferenceKeyClaim("k", [0x04, .. Enumerable.Repeat((byte)0x03, 32), .. Enumerable.Repeat((byte)0x04, 32)], "s", 0x10)],
        Measurement: new Measurement(Enumerable.Repeat((byte)0xAA, 32).ToArray(), [new AssemblyMeasurement("a", Enumerable.Repeat((byte)0xBB, 32).ToArray())]),
        Posture: new Posture([new PostureItem("x", "y")]),
        Hardware: new HardwareClaim("c", 2, 3),
        Models: [],
        TimestampUnixMs: 0x0102030405060708,
        Nonce: [0x09]);

    // Written out by hand from the format in docs/ATTESTATION.md; if this test fails, the wire format changed.
    private static readonly string GoldenBindingHex = string.Concat(
        "554d425241415454", // magic "UMBRAATT"
        "0001", // version 1
        "00000001" + "70", // provider_id "p"
        "00000041" + "04" + string.Concat(Enumerable.Repeat("01", 32)) + string.Concat(Enumerable.Repeat("02", 32)), // identity_key
        "00000001", // inference_keys: 1
        "00000001" + "6b", //   key_id "k"
        "00000041" + "04" + string.Concat(Enumerable.Repeat("03", 32)) + string.Concat(Enumerable.Repeat("04", 32)), //   public_key
        "00000001" + "73", //   suite "s"
        "0000000000000010", //   not_after_unix_ms 16
        "00000020" + string.Concat(Enumerable.Repeat("aa", 32)), // measurement.executable_sha256
        "00000001", // assemblies: 1
        "00000001" + "61", //   name "a"
        "00000020" + string.Concat(Enumerable.Repeat("bb", 32)), //   sha256
        "00000001", // posture: 1
        "00000001" + "78", //   name "x"
        "00000001" + "79", //   value "y"
        "00000001" + "63", // hardware.cpu "c"
        "00000002", // hardware.cores 2
        "0000000000000003", // hardware.memory_bytes 3
        "00000000", // models: 0
        "0102030405060708", // timestamp
        "00000001" + "09"); // nonce

    private const string GoldenEvidenceHex =
        "00000004" + "6e6f6e65" // evidence_kind "none"
        + "00000000"; // evidence_data (empty)

    [Fact]
    public void Golden_body_is_byte_for_byte_the_documented_layout()
    {
        var claims = GoldenClaims();
        Assert.Equal(GoldenBindingHex, Convert.ToHexStringLower(BundleEncoding.EncodeBinding(claims)));
        Assert.Equal(GoldenBindingHex + GoldenEvidenceHex, Convert.ToHexStringLower(BundleEncoding.Encode(claims, PlatformEvidence.None)));
        Assert.Equal(SHA256.HashData(Convert.FromHexString(GoldenBindingHex)), BundleEncoding.BindingDigest(claims));
    }

    [Fact]
    public void Golden_body_decodes_to_its_claims()
    {
        var (claims, evidence) = BundleEncoding.Decode(Convert.FromHexString(GoldenBindingHex + GoldenEvidenceHex));
        Assert.Equal("p", claims.ProviderId);
        Assert.Equal("k", Assert.Single(claims.InferenceKeys).KeyId);
        Assert.Equal(0x10, claims.InferenceKeys[0].NotAfterUnixMs);
        Assert.Equal("a", Assert.Single(claims.Measurement.Assemblies).Name);
        Assert.Equal("y", claims.Posture["x"]);
        Assert.Equal(new HardwareClaim("c", 2, 3), claims.Hardware);
        Assert.Empty(claims.Models);
        Assert.Equal(0x0102030405060708, claims.TimestampUnixMs);
        Assert.Equal([0x09], claims.Nonce);
        Assert.Equal(EvidenceKinds.None, evidence.Kind);
        Assert.Empty(evidence.Data);
    }

    [Fact]
    public void Round_trip_reencodes_to_the_same_bytes()
    {
        var (bundle, _) = AttestationTestKit.SelfSigned(nonce: [1, 2, 3]);
        var (claims, evidence) = BundleEncoding.Decode(bundle.Body);
        Assert.Equal(bundle.Body.ToArray(), BundleEncoding.Encode(claims, evidence));
        Assert.Equal(SHA256.HashData(bundle.Body), bundle.Hash.ToArray());
        Assert.Equal(Convert.ToHexStringLower(bundle.Hash), bundle.HashHex);
        Assert.Equal(bundle.Binding.ToArray(), BundleEncoding.EncodeBinding(claims));
    }

    [Fact]
    public void Encode_sorts_lists_by_utf8_bytes()
    {
        var signer = SoftwareAttestationSigner.Generate();
        var claims = AttestationTestKit.Claims(signer) with
        {
            Models = [new ModelClaim("b", new byte[32]), new ModelClaim("\uFF21", new byte[32]), new ModelClaim("a", new byte[32]), new ModelClaim("\U0001F600", new byte[32])],
            Posture = new Posture([new PostureItem("z", "1"), new PostureItem("Z", "2")]),
        };
        var (decoded, _) = BundleEncoding.Decode(BundleEncoding.Encode(claims, PlatformEvidence.None));
        // UTF-8 byte order: U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80), unlike UTF-16 ordinal order.
        Assert.Equal(["a", "b", "\uFF21", "\U0001F600"], decoded.Models.Select(m => m.Id));
        Assert.Equal(["Z", "z"], decoded.Posture.Items.Select(p => p.Name));
    }

    [Fact]
    public void Encode_refuses_duplicates_and_bad_lengths()
    {
        var signer = SoftwareAttestationSigner.Generate();
        var claims = AttestationTestKit.Claims(signer);
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims with { Models = [new ModelClaim("m", new byte[32]), new ModelClaim("m", new byte[32])] }, PlatformEvidence.None));
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims with { Nonce = new byte[65] }, PlatformEvidence.None));
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims with { IdentityKey = new byte[33] }, PlatformEvidence.None));
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims with { ProviderId = new string('x', 1025) }, PlatformEvidence.None));
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims with { ProviderId = "\uD800" }, PlatformEvidence.None));
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims, new PlatformEvidence("sgx", [])));
        Assert.Throws<ArgumentException>(() => BundleEncoding.Encode(claims, new PlatformEvidence(EvidenceKinds.None, [1])));
    }

    /// <summary>A body written by hand up to the posture list, so tests can put anything in the lists.</summary>
    internal static RawWriter BodyPrefixThroughAssemblies(int inferenceKeyCount = 0)
    {
        var w = new RawWriter().Raw("UMBRAATT"u8).U16(1).Str("p").Bytes(new byte[65]).U32((uint)inferenceKeyCount);
        return w;
    }

    private static byte[] BodyWithModels(params string[] ids)
    {
        var w = BodyPrefixThroughAssemblies().Bytes(new byte[32]).U32(0).U32(0).Str("c").U32(1).I64(1).U32((uint)ids.Length);
        foreach (var id in ids)
            w.Str(id).Bytes(new byte[32]);
        return w.I64(0).Bytes([]).Str("none").Bytes([]).ToArray();
    }

    [Fact]
    public void Hand_written_body_with_sorted_models_decodes()
    {
        var (claims, _) = BundleEncoding.Decode(BodyWithModels("a", "b"));
        Assert.Equal(["a", "b"], claims.Models.Select(m => m.Id));
    }

    [Theory]
    [InlineData("sorts before the previous item", "b", "a")]
    [InlineData("repeats the previous item", "a", "a")]
    public void Unsorted_or_duplicate_lists_are_refused(string message, string first, string second)
    {
        var e = Assert.Throws<AttestationException>(() => BundleEncoding.Decode(BodyWithModels(first, second)));
        Assert.Contains(message, e.Message);
        Assert.Contains("models[1].id", e.Message);
        Assert.Contains("offset", e.Message);
    }

    [Fact]
    public void Duplicate_inference_key_ids_are_refused()
    {
        var w = BodyPrefixThroughAssemblies(2);
        for (var i = 0; i < 2; i++)
            w.Str("k").Bytes(new byte[65]).Str("s").I64(0);
        var body = w.Bytes(new byte[32]).U32(0).U32(0).Str("c").U32(1).I64(1).U32(0).I64(0).Bytes([]).Str("none").Bytes([]).ToArray();
        var e = Assert.Throws<AttestationException>(() => BundleEncoding.Decode(body));
        Assert.Contains("inference_keys[1].key_id", e.Message);
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        var body = new RawWriter().Raw("UMBRAATT"u8).U16(1).Bytes([0xC3, 0x28]).ToArray();
        var e = Assert.Throws<AttestationException>(() => BundleEncoding.Decode(body));
        Assert.Contains("provider_id", e.Message);
        Assert.Contains("UTF-8", e.Message);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(64u)]
    [InlineData(65u)]
    public void Oversized_counts_are_refused_before_allocating(uint count)
    {
        var body = BodyPrefixThroughAssemblies().ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(body.Length - 4), count);
        // Padding: enough bytes that only the count check, not the end of input, can stop it.
        var padded = body.Concat(new byte[1000]).ToArray();
        Assert.Throws<AttestationException>(() => BundleEncoding.Decode(padded)); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<AttestationException>(() => BundleEncoding.Decode(padded));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("inference_keys", e.Message);
        Assert.True(allocated < 16 * 1024, $"decoding a forged count allocated {allocated} bytes");
    }

    [Fact]
    public void Oversized_lengths_are_refused_before_allocating()
    {
        var body = new RawWriter().Raw("UMBRAATT"u8).U16(1).U32(0x7FFFFFFF).Raw(new byte[100]).ToArray();
        Assert.Throws<AttestationException>(() => BundleEncoding.Decode(body));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<AttestationException>(() => BundleEncoding.Decode(body));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024);
        Assert.Contains("provider_id", e.Message);
        Assert.Contains("limit is 1024", e.Message);
    }

    [Fact]
    public void Wrong_magic_version_kind_and_trailing_bytes_are_refused()
    {
        var (bundle, _) = AttestationTestKit.SelfSigned();
        var body = bundle.Body.ToArray();

        var badMagic = (byte[])body.Clone();
        badMagic[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<AttestationException>(() => BundleEncoding.Decode(badMagic)).Message);

        var badVersion = (byte[])body.Clone();
        badVersion[9] = 2;
        Assert.Contains("version", Assert.Throws<AttestationException>(() => BundleEncoding.Decode(badVersion)).Message);

        var trailing = body.Concat(new byte[] { 0 }).ToArray();
        Assert.Contains("trailing", Assert.Throws<AttestationException>(() => BundleEncoding.Decode(trailing)).Message);

        var unknownKind = body[..bundle.BindingLength].Concat(new RawWriter().Str("sgx").Bytes([]).ToArray()).ToArray();
        Assert.Contains("evidence_kind", Assert.Throws<AttestationException>(() => BundleEncoding.Decode(unknownKind)).Message);

        var noneWithData = body[..bundle.BindingLength].Concat(new RawWriter().Str("none").Bytes([1]).ToArray()).ToArray();
        Assert.Contains("evidence_data", Assert.Throws<AttestationException>(() => BundleEncoding.Decode(noneWithData)).Message);

        Assert.Throws<AttestationException>(() => BundleEncoding.Decode(new byte[AttestationLimits.MaxBodyBytes + 1]));
    }

    [Fact]
    public void Every_truncation_is_an_attestation_exception()
    {
        var (bundle, _) = AttestationTestKit.SelfSigned(nonce: [7]);
        var body = bundle.Body.ToArray();
        for (var length = 0; length < body.Length; length++)
            Assert.Throws<AttestationException>(() => BundleEncoding.Decode(body.AsSpan(0, length)));
    }
}
