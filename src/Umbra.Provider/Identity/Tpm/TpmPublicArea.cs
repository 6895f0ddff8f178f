using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>The fields of an ECC TPMT_PUBLIC the provider needs: attributes and the public point.</summary>
internal sealed record TpmPublicArea(ushort NameAlg, uint Attributes, ushort Curve, byte[] Point)
{
    /// <summary>Parses an ECC TPMT_PUBLIC (no size prefix); the point comes back as 65-byte SEC1 (0x04||x||y).</summary>
    public static TpmPublicArea Parse(ReadOnlySpan<byte> tpmtPublic, string command)
    {
        var r = new TpmReader(tpmtPublic, command);
        ushort type = r.ReadU16("TPMT_PUBLIC.type");
        if (type != TpmAlg.Ecc)
            throw r.Fail($"the public area has type 0x{type:X4}, not TPM_ALG_ECC");
        ushort nameAlg = r.ReadU16("TPMT_PUBLIC.nameAlg");
        uint attributes = r.ReadU32("TPMT_PUBLIC.objectAttributes");
        r.ReadSized("TPMT_PUBLIC.authPolicy", 64);
        if (r.ReadU16("TPMS_ECC_PARMS.symmetric") != TpmAlg.Null)
        {
            r.ReadU16("TPMS_ECC_PARMS.symmetric.keyBits");
            r.ReadU16("TPMS_ECC_PARMS.symmetric.mode");
        }
        if (r.ReadU16("TPMS_ECC_PARMS.scheme") != TpmAlg.Null)
            r.ReadU16("TPMS_ECC_PARMS.scheme.hashAlg");
        ushort curve = r.ReadU16("TPMS_ECC_PARMS.curveID");
        if (r.ReadU16("TPMS_ECC_PARMS.kdf") != TpmAlg.Null)
            r.ReadU16("TPMS_ECC_PARMS.kdf.hashAlg");
        var x = r.ReadSized("TPMS_ECC_POINT.x", 32);
        var y = r.ReadSized("TPMS_ECC_POINT.y", 32);
        r.ExpectEnd("TPMT_PUBLIC");
        if (curve != TpmRh.EccNistP256)
            throw r.Fail($"the key's curve is 0x{curve:X4}, not TPM_ECC_NIST_P256");
        var point = new byte[65];
        point[0] = 0x04;
        x.CopyTo(point.AsSpan(1 + 32 - x.Length));
        y.CopyTo(point.AsSpan(33 + 32 - y.Length));
        return new TpmPublicArea(nameAlg, attributes, curve, point);
    }

    /// <summary>The object's TPM name: nameAlg (u16) || SHA-256(TPMT_PUBLIC).</summary>
    public static byte[] Name(ReadOnlySpan<byte> tpmtPublic)
    {
        var name = new byte[2 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(name, TpmAlg.Sha256);
        SHA256.HashData(tpmtPublic, name.AsSpan(2));
        return name;
    }
}
