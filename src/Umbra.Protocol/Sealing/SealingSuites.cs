namespace Umbra.Protocol.Sealing;

/// <summary>
/// The HPKE suites the sealed request protocol uses, and the names that stand for them in an envelope's
/// <c>"suite"</c> field. Both have a 32-byte AEAD key, which the content key and response key rely on.
/// </summary>
public static class SealingSuites
{
    /// <summary>DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: the default.</summary>
    public const string Aes256GcmName = "P256-SHA256-AES256GCM";

    /// <summary>DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305: for machines without AES instructions.</summary>
    public const string ChaCha20Poly1305Name = "P256-SHA256-CHACHA20POLY1305";

    /// <summary>The names of every suite, for error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [Aes256GcmName, ChaCha20Poly1305Name];

    /// <summary>Whether <paramref name="suite"/> is one the protocol uses.</summary>
    public static bool IsSupported(HpkeSuite suite) => TryGetName(suite, out _);

    /// <summary>The envelope name of <paramref name="suite"/>.</summary>
    /// <exception cref="ArgumentException">The suite is not one the protocol uses (AES-128-GCM and export-only are not).</exception>
    public static string GetName(HpkeSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (!TryGetName(suite, out var name))
            throw new ArgumentException($"Sealed requests use {string.Join(" or ", Names)}; {suite} is not one of them.", nameof(suite));
        return name;
    }

    public static bool TryGetName(HpkeSuite suite, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name)
    {
        name = suite.Equals(HpkeSuite.P256Sha256Aes256Gcm) ? Aes256GcmName
            : suite.Equals(HpkeSuite.P256Sha256ChaCha20Poly1305) ? ChaCha20Poly1305Name
            : null;
        return name != null;
    }

    /// <summary>The suite an envelope names; names are matched exactly (case-sensitive).</summary>
    public static bool TryGetSuite(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HpkeSuite? suite)
    {
        suite = name switch
        {
            Aes256GcmName => HpkeSuite.P256Sha256Aes256Gcm,
            ChaCha20Poly1305Name => HpkeSuite.P256Sha256ChaCha20Poly1305,
            _ => null,
        };
        return suite != null;
    }
}
