using System.Security.Cryptography;

namespace Umbra.Protocol.Tests.Attestation;

/// <summary>
/// Marshals TPM 2.0 structures the way a TPM does (TPM 2.0 Library Part 2), written independently of the
/// production parser so that the two check each other.
/// </summary>
internal static class TpmMarshal
{
    public const uint FixedTpm = 1 << 1, FixedParent = 1 << 4, SensitiveDataOrigin = 1 << 5, UserWithAuth = 1 << 6,
        NoDa = 1 << 10, Restricted = 1 << 16, Decrypt = 1 << 17, Sign = 1 << 18;

    /// <summary>The attributes tpm2_createak gives an ECC AK.</summary>
    public const uint AkAttributes = FixedTpm | FixedParent | SensitiveDataOrigin | UserWithAuth | Restricted | Sign;

    public const uint IdentityAttributes = FixedTpm | FixedParent | SensitiveDataOrigin | UserWithAuth | Sign;
    public const uint InferenceAttributes = FixedTpm | FixedParent | SensitiveDataOrigin | UserWithAuth | Decrypt;

    /// <summary>TPMT_PUBLIC of an ECC key: ECDSA-SHA256 scheme for signing keys, TPM_ALG_NULL for decryption keys.</summary>
    public static byte[] EccPublic(byte[] point, uint attributes, ushort curve = 0x0003, ushort nameAlg = 0x000B, byte[]? authPolicy = null)
    {
        var w = new RawWriter().U16(0x0023).U16(nameAlg).U32(attributes).B2(authPolicy ?? []);
        w.U16(0x0010); // symmetric: TPM_ALG_NULL
        if ((attributes & Sign) != 0)
            w.U16(0x0018).U16(0x000B); // scheme: ECDSA with SHA-256
        else
            w.U16(0x0010); // scheme: TPM_ALG_NULL
        w.U16(curve).U16(0x0010); // curveID, kdf: TPM_ALG_NULL
        return w.B2(point.AsSpan(1, 32)).B2(point.AsSpan(33, 32)).ToArray();
    }

    public static byte[] Point(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    public static byte[] Attest(ushort type, byte[] extraData, byte[] attested, uint magic = 0xFF544347) =>
        new RawWriter().U32(magic).U16(type)
            .B2([0x00, 0x0B, .. SHA256.HashData("qualified signer"u8)]) // qualifiedSigner
            .B2(extraData)
            .U64(123456).U32(7).U32(3).U8(1) // clockInfo: clock, resetCount, restartCount, safe
            .U64(0x0002000100000000) // firmwareVersion
            .Raw(attested).ToArray();

    /// <summary>TPMS_QUOTE_INFO with one sha256 selection of 3 bytes (24 PCRs).</summary>
    public static byte[] QuoteInfo(IEnumerable<int> indices, byte[] pcrDigest, ushort bank = 0x000B)
    {
        var select = new byte[3];
        foreach (var i in indices)
            select[i / 8] |= (byte)(1 << (i % 8));
        return new RawWriter().U32(1).U16(bank).U8(3).Raw(select).B2(pcrDigest).ToArray();
    }

    public static byte[] CertifyInfo(byte[] objectPublic) =>
        new RawWriter().B2(Name(objectPublic)).B2(Name(objectPublic)).ToArray();

    public static byte[] Name(byte[] objectPublic) => [0x00, 0x0B, .. SHA256.HashData(objectPublic)];

    /// <summary>TPMT_SIGNATURE: ECDSA, SHA-256, r and s as TPM2B_ECC_PARAMETER.</summary>
    public static byte[] Signature(ECDsa signer, byte[] attest)
    {
        var rs = signer.SignHash(SHA256.HashData(attest), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new RawWriter().U16(0x0018).U16(0x000B).B2(rs.AsSpan(0, 32)).B2(rs.AsSpan(32)).ToArray();
    }
}
