using System.Numerics;
using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>The NIST P-256 constants and checks that .NET does not expose: point validation and scalar range.</summary>
internal static class P256
{
    /// <summary>Nsk and the byte length of a coordinate.</summary>
    public const int ScalarSize = 32;

    /// <summary>Npk = Nenc: 0x04 || x || y.</summary>
    public const int PublicKeySize = 65;

    public static ECCurve Curve => ECCurve.NamedCurves.nistP256;

    // Field prime p and curve coefficient b (SEC 2 §2.4.2); a = -3.
    private static readonly BigInteger Prime = Parse("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    private static readonly BigInteger B = Parse("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");

    // Group order n, big-endian.
    private static ReadOnlySpan<byte> Order =>
    [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ];

    /// <summary>
    /// Whether (x, y) are field elements satisfying y² = x³ − 3x + b. P-256 has cofactor 1, so every such point
    /// other than infinity (which has no affine coordinates) generates the whole group: no small-subgroup check is needed.
    /// </summary>
    public static bool IsOnCurve(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var bx = new BigInteger(x, isUnsigned: true, isBigEndian: true);
        var by = new BigInteger(y, isUnsigned: true, isBigEndian: true);
        if (bx >= Prime || by >= Prime)
            return false;
        var left = BigInteger.ModPow(by, 2, Prime);
        var right = ((BigInteger.ModPow(bx, 3, Prime) - 3 * bx + B) % Prime + Prime) % Prime;
        return left == right;
    }

    /// <summary>
    /// Whether a big-endian scalar lies in [1, n-1], without branching on its bytes: the scalar is secret
    /// (a private key or a DeriveKeyPair candidate).
    /// </summary>
    public static bool IsValidScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != ScalarSize)
            return false;
        var borrow = 0;
        var any = 0;
        for (var i = ScalarSize - 1; i >= 0; i--)
        {
            // scalar - n, byte by byte: a final borrow means scalar < n.
            var difference = scalar[i] - Order[i] - borrow;
            borrow = (difference >> 8) & 1;
            any |= scalar[i];
        }
        var isZero = ((any - 1) >> 8) & 1;
        return (borrow & ~isZero & 1) == 1;
    }

    private static BigInteger Parse(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
}
