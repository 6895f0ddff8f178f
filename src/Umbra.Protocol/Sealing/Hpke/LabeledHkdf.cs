using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// RFC 9180 §4's LabeledExtract and LabeledExpand over HKDF-SHA256: every derivation is bound to the
/// "HPKE-v1" version label, the suite (or KEM) identifier and a purpose label, so no two uses of the
/// KDF can produce interchangeable outputs.
/// </summary>
internal static class LabeledHkdf
{
    // Labels and suite ids are short; inputs longer than this (a large info) go to the heap instead.
    private const int StackLimit = 256;

    private static ReadOnlySpan<byte> Version => "HPKE-v1"u8;

    /// <summary>LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm).</summary>
    public static void Extract(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        var length = Version.Length + suiteId.Length + label.Length + ikm.Length;
        Span<byte> labeledIkm = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        labeledIkm = labeledIkm[..length];
        try
        {
            var rest = Append(labeledIkm, Version);
            rest = Append(rest, suiteId);
            rest = Append(rest, label);
            ikm.CopyTo(rest);
            HKDF.Extract(HashAlgorithmName.SHA256, labeledIkm, salt, prk[..HpkeSuite.HashSize]);
        }
        finally
        {
            // The input keying material is usually a DH output or a PSK.
            CryptographicOperations.ZeroMemory(labeledIkm);
        }
    }

    /// <summary>LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L).</summary>
    public static void Expand(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is 0 or > 255 * 32)
            throw new ArgumentOutOfRangeException(nameof(output), output.Length, "HKDF-SHA256 can expand to between 1 and 8160 bytes.");
        var length = 2 + Version.Length + suiteId.Length + label.Length + info.Length;
        Span<byte> labeledInfo = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        labeledInfo = labeledInfo[..length];
        BinaryPrimitives.WriteUInt16BigEndian(labeledInfo, (ushort)output.Length);
        var rest = Append(labeledInfo[2..], Version);
        rest = Append(rest, suiteId);
        rest = Append(rest, label);
        info.CopyTo(rest);
        HKDF.Expand(HashAlgorithmName.SHA256, prk, output, labeledInfo);
    }

    private static Span<byte> Append(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        value.CopyTo(destination);
        return destination[value.Length..];
    }
}
