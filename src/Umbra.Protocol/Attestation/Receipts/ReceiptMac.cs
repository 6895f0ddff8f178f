using System.Security.Cryptography;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// The request and response MACs of a receipt: HMAC-SHA256 under a 32-byte key the provider and the consumer
/// export from the request's HPKE context with <see cref="ExporterContext"/>; the coordinator cannot compute them.
/// </summary>
public static class ReceiptMac
{
    /// <summary>The HPKE exporter context for the receipt key: "umbra receipt".</summary>
    public static ReadOnlySpan<byte> ExporterContext => "umbra receipt"u8;

    public const int KeyBytes = 32;

    public const int MacBytes = 32;

    public static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        if (key.Length != KeyBytes)
            throw new ArgumentException($"The receipt MAC key is {key.Length} bytes; it must be {KeyBytes}.", nameof(key));
        return HMACSHA256.HashData(key, data);
    }

    /// <summary>Whether <paramref name="mac"/> is the MAC of <paramref name="data"/>, compared in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac) =>
        mac.Length == MacBytes && CryptographicOperations.FixedTimeEquals(Compute(key, data), mac);
}
