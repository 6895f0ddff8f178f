using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// DHKEM(P-256, HKDF-SHA256) (RFC 9180 §4.1): Encap/Decap and their authenticated forms, and DeriveKeyPair.
/// Every intermediate DH output and PRK is wiped before returning, on success or failure.
/// </summary>
internal static class DhKemP256
{
    /// <summary>Nsecret: the length of the KEM shared secret.</summary>
    public const int SharedSecretSize = 32;

    // suite_id = "KEM" || I2OSP(kem_id, 2).
    private static ReadOnlySpan<byte> SuiteId => "KEM\0\x10"u8;

    /// <summary>
    /// Encap (when <paramref name="sender"/> is null) or AuthEncap with the given ephemeral key. Writes the
    /// shared secret and returns enc, the serialized ephemeral public key.
    /// </summary>
    public static byte[] Encapsulate(HpkePublicKey recipient, HpkePrivateKey ephemeral, HpkePrivateKey? sender, Span<byte> sharedSecret)
    {
        var enc = ephemeral.PublicKey.Export();
        Span<byte> dh = stackalloc byte[2 * P256.ScalarSize];
        try
        {
            // dh = DH(skE, pkR), then for AuthEncap || DH(skS, pkR).
            ephemeral.Agree(recipient, dh[..P256.ScalarSize]);
            if (sender != null)
                sender.Agree(recipient, dh[P256.ScalarSize..]);
            var dhLength = sender != null ? 2 * P256.ScalarSize : P256.ScalarSize;
            ExtractAndExpand(dh[..dhLength], KemContext(enc, recipient, sender?.PublicKey), sharedSecret);
            return enc;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Decap (when <paramref name="sender"/> is null) or AuthDecap. Throws <see cref="SealingException"/> for an invalid enc.</summary>
    public static void Decapsulate(ReadOnlySpan<byte> enc, HpkePrivateKey recipient, HpkePublicKey? sender, Span<byte> sharedSecret)
    {
        if (!HpkePublicKey.TryDecode(enc, out var ephemeral, out var problem))
            throw new SealingException($"The encapsulated key (enc) {problem}");
        Span<byte> dh = stackalloc byte[2 * P256.ScalarSize];
        try
        {
            // dh = DH(skR, pkE), then for AuthDecap || DH(skR, pkS).
            recipient.Agree(ephemeral, dh[..P256.ScalarSize]);
            if (sender != null)
                recipient.Agree(sender, dh[P256.ScalarSize..]);
            var dhLength = sender != null ? 2 * P256.ScalarSize : P256.ScalarSize;
            ExtractAndExpand(dh[..dhLength], KemContext(enc, recipient.PublicKey, sender), sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>
    /// The scalar of DeriveKeyPair (RFC 9180 §7.1.3): rejection sampling over "candidate" expansions of
    /// dkp_prk until one lies in [1, n-1].
    /// </summary>
    public static void DeriveScalar(ReadOnlySpan<byte> ikm, Span<byte> scalar)
    {
        Span<byte> dkpPrk = stackalloc byte[HpkeSuite.HashSize];
        Span<byte> counter = stackalloc byte[1];
        try
        {
            LabeledHkdf.Extract(SuiteId, [], "dkp_prk"u8, ikm, dkpPrk);
            for (var i = 0; i < 256; i++)
            {
                counter[0] = (byte)i;
                LabeledHkdf.Expand(SuiteId, dkpPrk, "candidate"u8, counter, scalar);
                // The RFC masks the first byte with the curve's bitmask, which is 0xFF for P-256: a no-op kept for fidelity.
                scalar[0] &= 0xFF;
                if (P256.IsValidScalar(scalar))
                    return;
            }
            CryptographicOperations.ZeroMemory(scalar);
            throw new CryptographicException("DeriveKeyPair found no valid P-256 scalar in 256 candidates.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dkpPrk);
        }
    }

    private static byte[] KemContext(ReadOnlySpan<byte> enc, HpkePublicKey recipient, HpkePublicKey? sender)
    {
        // kem_context = enc || pkRm, and for the authenticated forms || pkSm.
        var context = new byte[enc.Length + P256.PublicKeySize + (sender != null ? P256.PublicKeySize : 0)];
        enc.CopyTo(context);
        recipient.Encoded.CopyTo(context.AsSpan(enc.Length));
        sender?.Encoded.CopyTo(context.AsSpan(enc.Length + P256.PublicKeySize));
        return context;
    }

    private static void ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> kemContext, Span<byte> sharedSecret)
    {
        Span<byte> eaePrk = stackalloc byte[HpkeSuite.HashSize];
        try
        {
            LabeledHkdf.Extract(SuiteId, [], "eae_prk"u8, dh, eaePrk);
            LabeledHkdf.Expand(SuiteId, eaePrk, "shared_secret"u8, kemContext, sharedSecret[..SharedSecretSize]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(eaePrk);
        }
    }
}
