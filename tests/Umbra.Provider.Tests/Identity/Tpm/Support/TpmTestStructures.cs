using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Umbra.Provider.Tests.Identity.Tpm.Support;

/// <summary>
/// A small parser of the TPM structures the evidence carries, written apart from the product's so that the
/// tests check the bytes against the TPM 2.0 specification rather than against the code that produced them.
/// </summary>
internal static class TpmTestStructures
{
    public sealed record Attest(
        uint Magic, ushort Type, byte[] ExtraData, ushort PcrBank, byte[] PcrBitmap, byte[] PcrDigest, byte[] CertifiedName);

    public sealed record EccPublic(ushort Type, ushort NameAlg, uint Attributes, ushort Scheme, ushort Curve, byte[] X, byte[] Y)
    {
        public byte[] Point => [0x04, .. X, .. Y];

        public ECDsa ToECDsa() => ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = X, Y = Y },
        });
    }

    public static Attest ParseAttest(byte[] data)
    {
        var c = new Cursor(data);
        uint magic = c.U32();
        ushort type = c.U16();
        c.Sized(); // qualifiedSigner
        byte[] extra = c.Sized();
        c.Skip(17 + 8); // clockInfo, firmwareVersion
        ushort bank = 0;
        byte[] bitmap = [], digest = [], name = [];
        if (type == 0x8018)
        {
            Assert.Equal(1u, c.U32());
            bank = c.U16();
            bitmap = c.Bytes(c.U8());
            digest = c.Sized();
        }
        else if (type == 0x8017)
        {
            name = c.Sized();
            c.Sized(); // qualifiedName
        }
        Assert.Equal(data.Length, c.Offset);
        return new Attest(magic, type, extra, bank, bitmap, digest, name);
    }

    public static EccPublic ParsePublic(byte[] data)
    {
        var c = new Cursor(data);
        ushort type = c.U16(), nameAlg = c.U16();
        uint attributes = c.U32();
        c.Sized(); // authPolicy
        if (c.U16() != 0x0010)
            c.Skip(4); // symmetric keyBits, mode
        ushort scheme = c.U16();
        if (scheme != 0x0010)
            c.U16();
        ushort curve = c.U16();
        if (c.U16() != 0x0010)
            c.U16();
        byte[] x = c.Sized(), y = c.Sized();
        Assert.Equal(data.Length, c.Offset);
        return new EccPublic(type, nameAlg, attributes, scheme, curve, x, y);
    }

    /// <summary>An ECDSA TPMT_SIGNATURE as P1363 r||s, after checking it is ECDSA with SHA-256.</summary>
    public static byte[] SignatureToP1363(byte[] data)
    {
        var c = new Cursor(data);
        Assert.Equal(0x0018, c.U16());
        Assert.Equal(0x000B, c.U16());
        byte[] r = c.Sized(), s = c.Sized();
        Assert.Equal(data.Length, c.Offset);
        var p1363 = new byte[64];
        r.CopyTo(p1363, 32 - r.Length);
        s.CopyTo(p1363, 64 - s.Length);
        return p1363;
    }

    /// <summary>Whether <paramref name="signature"/> (a TPMT_SIGNATURE) verifies over SHA-256(<paramref name="signed"/>).</summary>
    public static bool Verifies(byte[] akPublic, byte[] signed, byte[] signature)
    {
        using var ecdsa = ParsePublic(akPublic).ToECDsa();
        return ecdsa.VerifyData(signed, SignatureToP1363(signature), HashAlgorithmName.SHA256);
    }

    private sealed class Cursor(byte[] data)
    {
        public int Offset { get; private set; }

        public byte U8() => Bytes(1)[0];

        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4));

        public byte[] Sized() => Bytes(U16());

        public void Skip(int count) => Bytes(count);

        public byte[] Bytes(int count)
        {
            Assert.True(Offset + count <= data.Length, $"structure ends at {data.Length}, needed {Offset + count}");
            byte[] slice = data[Offset..(Offset + count)];
            Offset += count;
            return slice;
        }
    }
}
