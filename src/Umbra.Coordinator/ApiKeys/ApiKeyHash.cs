using System.Security.Cryptography;
using System.Text;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>
/// The SHA-256 of an API key, the only form in which a key is stored. A fast unsalted hash is enough here
/// because keys are 256 random bits: no dictionary or brute force reaches them, which is what salts and
/// slow password hashes defend against, and a fast hash keeps authenticating every request cheap.
/// </summary>
public sealed class ApiKeyHash
{
    public const int Length = 32;

    private readonly byte[] bytes;

    private ApiKeyHash(byte[] bytes) => this.bytes = bytes;

    /// <exception cref="ArgumentException">Not exactly <see cref="Length"/> bytes.</exception>
    public static ApiKeyHash FromBytes(ReadOnlySpan<byte> hash) =>
        hash.Length == Length ? new ApiKeyHash(hash.ToArray()) : throw new ArgumentException($"An API key hash is {Length} bytes, not {hash.Length}.", nameof(hash));

    internal static ApiKeyHash Of(string key)
    {
        var utf8 = Encoding.UTF8.GetBytes(key);
        try
        {
            return new ApiKeyHash(SHA256.HashData(utf8));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    public ReadOnlySpan<byte> AsSpan() => bytes;

    internal byte[] ToArray() => (byte[])bytes.Clone();

    /// <summary>Compares in constant time, so response timing says nothing about how much of a guess was right.</summary>
    public bool Matches(ApiKeyHash other) => CryptographicOperations.FixedTimeEquals(bytes, other.bytes);

    public override string ToString() => "ApiKeyHash";
}
