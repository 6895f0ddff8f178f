namespace Umbra.Protocol.Sealing;

/// <summary>
/// Key ids as they travel: 32 lowercase hex digits naming the first 16 bytes of SHA-256 over a public key
/// (<see cref="HpkePublicKey.KeyId"/>). Bound into headers as those 16 bytes.
/// </summary>
internal static class KeyIdText
{
    public const int ByteLength = 16;
    public const int TextLength = 2 * ByteLength;

    /// <summary>Null when <paramref name="keyId"/> is well-formed, otherwise what is wrong with it.</summary>
    public static string? Check(string keyId)
    {
        if (keyId.Length != TextLength)
            return $"is {keyId.Length} characters long; a key id is {TextLength} lowercase hex digits.";
        foreach (var c in keyId)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return $"has the character U+{(int)c:X4}; a key id is {TextLength} lowercase hex digits.";
        }
        return null;
    }

    /// <summary>Writes the 16 bytes of a key id already checked by <see cref="Check"/>.</summary>
    public static void Decode(string keyId, Span<byte> destination)
    {
        var status = Convert.FromHexString(keyId, destination, out _, out var written);
        if (status != System.Buffers.OperationStatus.Done || written != ByteLength)
            throw new InvalidOperationException("A key id reached binding without having been checked.");
    }
}
