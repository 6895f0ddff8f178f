using System.Security.Cryptography;

namespace Umbra.Protocol.Sealing;

/// <summary>RFC 9180 §5.1 KeySchedule: from the KEM shared secret, info and optional PSK to key, base_nonce and exporter_secret.</summary>
internal static class KeySchedule
{
    /// <summary>
    /// The RFC requires a PSK to carry at least 32 bytes of entropy; a shorter one cannot, so it is refused.
    /// </summary>
    public const int MinimumPskSize = 32;

    /// <summary>VerifyPSKInputs: a PSK and its id go together, and only in the psk modes.</summary>
    public static void VerifyPskInputs(HpkeMode mode, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId)
    {
        var usesPsk = mode is HpkeMode.Psk or HpkeMode.AuthPsk;
        if (usesPsk)
        {
            if (psk.IsEmpty)
                throw new ArgumentException("HPKE psk mode needs a pre-shared key.", nameof(psk));
            if (psk.Length < MinimumPskSize)
                throw new ArgumentException($"An HPKE pre-shared key must be at least {MinimumPskSize} bytes; got {psk.Length}.", nameof(psk));
            if (pskId.IsEmpty)
                throw new ArgumentException("HPKE psk mode needs a pre-shared key id.", nameof(pskId));
        }
        else if (!psk.IsEmpty || !pskId.IsEmpty)
        {
            throw new ArgumentException($"HPKE {mode} mode takes no pre-shared key or id.", nameof(psk));
        }
    }

    public static KeyScheduleSecrets Derive(HpkeSuite suite, HpkeMode mode, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId)
    {
        VerifyPskInputs(mode, psk, pskId);
        var suiteId = suite.SuiteId;

        // key_schedule_context = mode || LabeledExtract("", "psk_id_hash", psk_id) || LabeledExtract("", "info_hash", info).
        var context = new byte[1 + 2 * HpkeSuite.HashSize];
        context[0] = (byte)mode;
        LabeledHkdf.Extract(suiteId, [], "psk_id_hash"u8, pskId, context.AsSpan(1, HpkeSuite.HashSize));
        LabeledHkdf.Extract(suiteId, [], "info_hash"u8, info, context.AsSpan(1 + HpkeSuite.HashSize, HpkeSuite.HashSize));

        var secrets = new KeyScheduleSecrets(suite, context);
        Span<byte> secret = stackalloc byte[HpkeSuite.HashSize];
        try
        {
            LabeledHkdf.Extract(suiteId, sharedSecret, "secret"u8, psk, secret);
            // Export-only suites have Nk = Nn = 0: there is no key or nonce to derive.
            if (suite.KeySize > 0)
                LabeledHkdf.Expand(suiteId, secret, "key"u8, context, secrets.Key);
            if (suite.NonceSize > 0)
                LabeledHkdf.Expand(suiteId, secret, "base_nonce"u8, context, secrets.BaseNonce);
            LabeledHkdf.Expand(suiteId, secret, "exp"u8, context, secrets.ExporterSecret);
            return secrets;
        }
        catch
        {
            secrets.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
