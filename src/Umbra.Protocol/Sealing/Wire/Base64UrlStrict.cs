using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// Base64url without padding (RFC 4648 §5), decoded strictly: no padding, no whitespace, no characters outside
/// the URL-safe alphabet, and no non-zero bits left over in the last character. The platform decoders are
/// lenient about all of these; strictness gives every byte string exactly one encoding, so nothing can be
/// smuggled through a relay in the slack.
/// </summary>
internal static class Base64UrlStrict
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>Decodes <paramref name="text"/>; on failure <paramref name="problem"/> completes "the field ...".</summary>
    public static bool TryDecode(string text, [NotNullWhen(true)] out byte[]? bytes, [NotNullWhen(false)] out string? problem)
    {
        bytes = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (SextetOf(c) >= 0)
                continue;
            problem = c == '='
                ? "has '=' padding; base64url here is written without padding."
                : $"has the character U+{(int)c:X4} at position {i}, which is not in the base64url alphabet (A-Z a-z 0-9 - _).";
            return false;
        }
        var tail = text.Length % 4;
        if (tail == 1)
        {
            problem = $"is {text.Length} characters long, which no base64url encoding is.";
            return false;
        }
        // The last character of a 2- or 3-character tail carries 4 or 2 bits that encode nothing; they must be zero.
        if (tail != 0 && (SextetOf(text[^1]) & (tail == 2 ? 0x0F : 0x03)) != 0)
        {
            problem = "is not the canonical base64url encoding of any bytes (its last character has unused bits set).";
            return false;
        }
        bytes = Base64Url.DecodeFromChars(text);
        problem = null;
        return true;
    }

    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        '_' => 63,
        _ => -1,
    };
}
