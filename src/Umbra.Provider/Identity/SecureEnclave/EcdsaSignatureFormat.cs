using System.Formats.Asn1;

namespace Umbra.Provider.Identity.SecureEnclave;

/// <summary>ECDSA signature encodings: X9.62 DER SEQUENCE { r INTEGER, s INTEGER } to IEEE P1363 r||s.</summary>
internal static class EcdsaSignatureFormat
{
    /// <summary>Converts a DER P-256 signature to 64-byte r||s.</summary>
    /// <exception cref="SecureEnclaveException">The bytes are not a DER ECDSA P-256 signature.</exception>
    public static byte[] DerToP1363(ReadOnlySpan<byte> der)
    {
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var p1363 = new byte[64];
            WriteInteger(sequence.ReadIntegerBytes().Span, p1363.AsSpan(0, 32));
            WriteInteger(sequence.ReadIntegerBytes().Span, p1363.AsSpan(32, 32));
            sequence.ThrowIfNotEmpty();
            return p1363;
        }
        catch (AsnContentException e)
        {
            throw new SecureEnclaveException($"The signature is not a DER ECDSA signature: {e.Message}", e);
        }
    }

    private static void WriteInteger(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        // DER integers are signed: a leading zero keeps a high bit from reading as a sign.
        if (value.IsEmpty || (value[0] & 0x80) != 0)
            throw new SecureEnclaveException("The signature holds a negative or empty integer.");
        if (value[0] == 0)
            value = value[1..];
        if (value.Length > destination.Length)
            throw new SecureEnclaveException("The signature's integers are larger than P-256 allows.");
        value.CopyTo(destination[(destination.Length - value.Length)..]);
    }
}
