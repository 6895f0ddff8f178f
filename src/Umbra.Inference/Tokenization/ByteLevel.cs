namespace Umbra.Inference.Tokenization;

/// <summary>
/// GPT-2's reversible mapping between bytes and printable code points: printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 onwards in byte order. Every mapped code point is in the BMP,
/// so one byte is always exactly one UTF-16 char.
/// </summary>
internal static class ByteLevel
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    public static char Encode(byte b) => ByteToChar[b];

    public static bool TryDecode(char c, out byte b) => CharToByte.TryGetValue(c, out b);

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
            map[ByteToChar[b]] = (byte)b;
        return map;
    }
}
