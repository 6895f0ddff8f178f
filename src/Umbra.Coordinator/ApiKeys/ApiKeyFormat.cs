using System.Buffers.Text;
using System.Security.Cryptography;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>
/// Keys look like <c>umbra_</c> + 43 base64url characters (32 random bytes). The fixed prefix lets secret
/// scanners and people recognise a leaked key; the next 8 characters are the display prefix.
/// </summary>
internal static class ApiKeyFormat
{
    public const string Prefix = "umbra_";
    public const int RandomBytes = 32;
    public const int Length = 49; // Prefix + 43 unpadded base64url characters for 32 bytes.

    /// <summary>
    /// Stored in clear to list keys and to find the candidates for an incoming key. 48 of the key's 256
    /// random bits: enough that two keys rarely share one, and 208 unknown bits remain.
    /// </summary>
    public const int DisplayPrefixLength = 14;

    public static string Generate()
    {
        Span<byte> random = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(random);
        var key = Prefix + Base64Url.EncodeToString(random);
        CryptographicOperations.ZeroMemory(random);
        return key;
    }

    /// <summary>Shape only: the right prefix, length and alphabet. Says nothing about whether the key exists.</summary>
    public static bool IsWellFormed(string? key)
    {
        if (key is null || key.Length != Length || !key.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        foreach (var c in key.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
                return false;
        }
        return true;
    }

    public static string DisplayPrefix(string key) => key[..DisplayPrefixLength];
}
