using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// A validated DHKEM(P-256) public key: an HPKE recipient's key, or a sender's static key in auth mode.
/// It can only be constructed from a valid point, so every other type may trust it.
/// </summary>
public sealed class HpkePublicKey : IEquatable<HpkePublicKey>
{
    private readonly byte[] _encoded;
    private string? _keyId;

    private HpkePublicKey(byte[] encoded)
    {
        _encoded = encoded;
    }

    public HpkeKemId Kem => HpkeKemId.P256HkdfSha256;

    /// <summary>
    /// A short public name for the key: the first 16 bytes of SHA-256 over its encoding, as 32 lowercase hex
    /// digits. Safe to log and to use as a lookup key.
    /// </summary>
    public string KeyId => _keyId ??= ComputeKeyId(_encoded);

    /// <summary>The key's bytes as RFC 9180's SerializePublicKey writes them (65 bytes: 0x04 || x || y).</summary>
    internal ReadOnlySpan<byte> Encoded => _encoded;

    /// <summary>
    /// Imports a key in RFC 9180's encoding (65 bytes: 0x04 || x || y), checking that it is a point on P-256.
    /// </summary>
    /// <exception cref="SealingException">The bytes are not a valid P-256 public key; the message says why.</exception>
    public static HpkePublicKey Import(ReadOnlySpan<byte> publicKey)
    {
        if (!TryDecode(publicKey, out var key, out var problem))
            throw new SealingException($"The HPKE public key {problem}");
        return key;
    }

    /// <summary>Imports a key as <see cref="Import"/> does, returning false instead of throwing when it is invalid.</summary>
    public static bool TryImport(ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out HpkePublicKey? key) =>
        TryDecode(publicKey, out key, out _);

    /// <summary>The key in RFC 9180's encoding (65 bytes: 0x04 || x || y); a fresh copy.</summary>
    public byte[] Export() => (byte[])_encoded.Clone();

    public bool Equals(HpkePublicKey? other) => other is not null && _encoded.AsSpan().SequenceEqual(other._encoded);

    public override bool Equals(object? obj) => Equals(obj as HpkePublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_encoded);
        return hash.ToHashCode();
    }

    public override string ToString() => $"P-256 {KeyId}";

    /// <summary>DeserializePublicKey (RFC 9180 §7.1.1); on failure, <paramref name="problem"/> completes a sentence about the key.</summary>
    internal static bool TryDecode(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out HpkePublicKey? key, [NotNullWhen(false)] out string? problem)
    {
        key = null;
        problem = Validate(encoded);
        if (problem != null)
            return false;
        key = new HpkePublicKey(encoded.ToArray());
        return true;
    }

    /// <summary>Builds the key from the public point of a .NET key (which is on the curve by construction).</summary>
    internal static HpkePublicKey FromPoint(ECPoint q)
    {
        var x = q.X ?? throw new CryptographicException("The P-256 key has no public point.");
        var y = q.Y ?? throw new CryptographicException("The P-256 key has no public point.");
        var encoded = new byte[P256.PublicKeySize];
        encoded[0] = 0x04;
        // .NET pads coordinates to the field size; right-align anyway so a shorter one could not shift the encoding.
        x.CopyTo(encoded.AsSpan(1 + P256.ScalarSize - x.Length));
        y.CopyTo(encoded.AsSpan(1 + 2 * P256.ScalarSize - y.Length));
        return new HpkePublicKey(encoded);
    }

    /// <summary>A public-only .NET key for this point, for one key agreement; the caller disposes it.</summary>
    internal ECDiffieHellman CreateEcdh() => ECDiffieHellman.Create(new ECParameters
    {
        Curve = P256.Curve,
        Q = new ECPoint
        {
            X = _encoded.AsSpan(1, P256.ScalarSize).ToArray(),
            Y = _encoded.AsSpan(1 + P256.ScalarSize, P256.ScalarSize).ToArray(),
        },
    });

    private static string? Validate(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length == 1 && encoded[0] == 0x00)
            return "is the point at infinity (0x00), which is not a valid public key.";
        if (encoded.Length == 1 + P256.ScalarSize && encoded[0] is 0x02 or 0x03)
            return "is a compressed P-256 point (33 bytes); HPKE requires the 65-byte uncompressed encoding 0x04 || x || y.";
        if (encoded.Length != P256.PublicKeySize)
            return $"is {encoded.Length} bytes; a P-256 public key is {P256.PublicKeySize} bytes (0x04 || x || y).";
        if (!encoded.ContainsAnyExcept((byte)0))
            return "is all zero bytes, which is not a P-256 point.";
        if (encoded[0] != 0x04)
            return $"starts with 0x{encoded[0]:x2}; an uncompressed P-256 point starts with 0x04.";
        if (!P256.IsOnCurve(encoded.Slice(1, P256.ScalarSize), encoded.Slice(1 + P256.ScalarSize, P256.ScalarSize)))
            return "is not a point on the P-256 curve.";
        return null;
    }

    private static string ComputeKeyId(ReadOnlySpan<byte> encoded)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(encoded, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
