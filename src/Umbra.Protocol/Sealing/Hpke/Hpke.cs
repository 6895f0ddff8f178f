using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>
/// Sets up HPKE contexts (RFC 9180 §5.1). The sender encapsulates to the recipient's public key and sends
/// <see cref="HpkeSenderContext.EncapsulatedKey"/> with its first message; the recipient passes that enc, its
/// private key and the same info (and PSK or sender key, in those modes) to get the matching context.
/// </summary>
public static class Hpke
{
    /// <summary>Base mode: encryption to the holder of the recipient's private key, sender anonymous.</summary>
    public static HpkeSenderContext SetupBaseSender(HpkeSuite suite, HpkePublicKey recipientPublicKey, ReadOnlySpan<byte> info) =>
        SetupSender(suite, HpkeMode.Base, recipientPublicKey, info, [], [], null, null);

    public static HpkeRecipientContext SetupBaseRecipient(HpkeSuite suite, ReadOnlySpan<byte> encapsulatedKey, HpkePrivateKey recipientPrivateKey, ReadOnlySpan<byte> info) =>
        SetupRecipient(suite, HpkeMode.Base, encapsulatedKey, recipientPrivateKey, info, [], [], null);

    /// <summary>PSK mode: the sender also proves knowledge of a pre-shared key (at least 32 bytes) named by <paramref name="pskId"/>.</summary>
    public static HpkeSenderContext SetupPskSender(HpkeSuite suite, HpkePublicKey recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId) =>
        SetupSender(suite, HpkeMode.Psk, recipientPublicKey, info, psk, pskId, null, null);

    public static HpkeRecipientContext SetupPskRecipient(HpkeSuite suite, ReadOnlySpan<byte> encapsulatedKey, HpkePrivateKey recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId) =>
        SetupRecipient(suite, HpkeMode.Psk, encapsulatedKey, recipientPrivateKey, info, psk, pskId, null);

    /// <summary>Auth mode: the sender also proves possession of its static private key.</summary>
    public static HpkeSenderContext SetupAuthSender(HpkeSuite suite, HpkePublicKey recipientPublicKey, ReadOnlySpan<byte> info, HpkePrivateKey senderPrivateKey)
    {
        ArgumentNullException.ThrowIfNull(senderPrivateKey);
        return SetupSender(suite, HpkeMode.Auth, recipientPublicKey, info, [], [], senderPrivateKey, null);
    }

    public static HpkeRecipientContext SetupAuthRecipient(HpkeSuite suite, ReadOnlySpan<byte> encapsulatedKey, HpkePrivateKey recipientPrivateKey, ReadOnlySpan<byte> info, HpkePublicKey senderPublicKey)
    {
        ArgumentNullException.ThrowIfNull(senderPublicKey);
        return SetupRecipient(suite, HpkeMode.Auth, encapsulatedKey, recipientPrivateKey, info, [], [], senderPublicKey);
    }

    /// <summary>AuthPSK mode: both a pre-shared key and the sender's static key.</summary>
    public static HpkeSenderContext SetupAuthPskSender(HpkeSuite suite, HpkePublicKey recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId, HpkePrivateKey senderPrivateKey)
    {
        ArgumentNullException.ThrowIfNull(senderPrivateKey);
        return SetupSender(suite, HpkeMode.AuthPsk, recipientPublicKey, info, psk, pskId, senderPrivateKey, null);
    }

    public static HpkeRecipientContext SetupAuthPskRecipient(HpkeSuite suite, ReadOnlySpan<byte> encapsulatedKey, HpkePrivateKey recipientPrivateKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId, HpkePublicKey senderPublicKey)
    {
        ArgumentNullException.ThrowIfNull(senderPublicKey);
        return SetupRecipient(suite, HpkeMode.AuthPsk, encapsulatedKey, recipientPrivateKey, info, psk, pskId, senderPublicKey);
    }

    /// <summary>
    /// Every sender mode. <paramref name="ephemeral"/> is null in production (a fresh key is generated and
    /// disposed here); tests pass the key derived from a vector's ikmE to reproduce its enc.
    /// </summary>
    internal static HpkeSenderContext SetupSender(
        HpkeSuite suite, HpkeMode mode, HpkePublicKey recipientPublicKey, ReadOnlySpan<byte> info,
        ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId, HpkePrivateKey? senderPrivateKey, HpkePrivateKey? ephemeral)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        KeySchedule.VerifyPskInputs(mode, psk, pskId);
        var ownedEphemeral = ephemeral == null ? HpkePrivateKey.Generate() : null;
        Span<byte> sharedSecret = stackalloc byte[DhKemP256.SharedSecretSize];
        try
        {
            var enc = DhKemP256.Encapsulate(recipientPublicKey, ephemeral ?? ownedEphemeral!, senderPrivateKey, sharedSecret);
            var secrets = KeySchedule.Derive(suite, mode, sharedSecret, info, psk, pskId);
            try
            {
                return new HpkeSenderContext(suite, secrets, enc);
            }
            catch
            {
                secrets.Dispose();
                throw;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            ownedEphemeral?.Dispose();
        }
    }

    /// <summary>Every recipient mode.</summary>
    internal static HpkeRecipientContext SetupRecipient(
        HpkeSuite suite, HpkeMode mode, ReadOnlySpan<byte> encapsulatedKey, HpkePrivateKey recipientPrivateKey, ReadOnlySpan<byte> info,
        ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId, HpkePublicKey? senderPublicKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(recipientPrivateKey);
        KeySchedule.VerifyPskInputs(mode, psk, pskId);
        Span<byte> sharedSecret = stackalloc byte[DhKemP256.SharedSecretSize];
        try
        {
            DhKemP256.Decapsulate(encapsulatedKey, recipientPrivateKey, senderPublicKey, sharedSecret);
            var secrets = KeySchedule.Derive(suite, mode, sharedSecret, info, psk, pskId);
            try
            {
                return new HpkeRecipientContext(suite, secrets);
            }
            catch
            {
                secrets.Dispose();
                throw;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }
}
