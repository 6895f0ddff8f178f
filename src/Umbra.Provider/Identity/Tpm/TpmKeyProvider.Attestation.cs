using System.Security.Cryptography;

namespace Umbra.Provider.Identity.Tpm;

public sealed partial class TpmKeyProvider
{
    private const int MaxQuoteAttempts = 3;
    private const ushort NvChunkSize = 768;

    /// <summary>
    /// The "tpm2" evidence for a bundle whose binding digest is <paramref name="bindingDigest"/>: a quote of the
    /// configured PCRs and a certification of the identity key and of each of <paramref name="keys"/>, all by the
    /// attestation key with qualifyingData = the binding digest.
    /// </summary>
    /// <exception cref="ArgumentException">The digest is not 32 bytes, or a key is not this provider's.</exception>
    /// <exception cref="TpmException">The TPM refused or failed, or the PCRs kept changing while being quoted.</exception>
    public TpmAttestation Attest(ReadOnlySpan<byte> bindingDigest, IReadOnlyList<TpmInferenceKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (bindingDigest.Length != 32)
            throw new ArgumentException($"The binding digest must be 32 bytes (SHA-256), not {bindingDigest.Length}.", nameof(bindingDigest));
        if (keys.Count > MaxInferenceKeysPerAttestation)
            throw new ArgumentException($"At most {MaxInferenceKeysPerAttestation} inference keys can be attested, not {keys.Count}.", nameof(keys));
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            if (key.Owner != this)
                throw new ArgumentException($"The inference key {key.KeyId} belongs to another TPM provider.", nameof(keys));
        }
        byte[] digest = bindingDigest.ToArray();

        lock (_gate)
        {
            ThrowIfDisposed();
            var (quote, pcrs) = QuoteConsistently(digest, cancellationToken);
            var certifications = new List<TpmCertification>(keys.Count + 1)
            {
                Certify(TpmCertification.IdentityRole, _identityKey, digest, cancellationToken),
            };
            foreach (var key in keys)
            {
                ObjectDisposedException.ThrowIf(key.Slot.Released, key);
                certifications.Add(Certify(TpmCertification.InferenceRolePrefix + key.KeyId, key.Slot, digest, cancellationToken));
            }
            return new TpmAttestation(
                (byte[])_attestationKey.Public.Clone(), quote.Attest, quote.Signature, pcrs, certifications,
                (byte[])_ekCertificate.Clone(), [.. _ekChain.Select(c => (byte[])c.Clone())]);
        }
    }

    /// <summary>
    /// Quotes, then reads the PCR values, and checks that they hash to the quoted digest: an extend between the two
    /// commands would make the evidence inconsistent, so the pair is taken again (a few times at most).
    /// </summary>
    private (TpmClient.SignedAttest Quote, TpmPcrValue[] Pcrs) QuoteConsistently(byte[] digest, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var quote = _client.Quote(Ensure(_attestationKey, null, cancellationToken), digest, _pcrs, cancellationToken);
            var values = _client.PcrRead(_pcrs, cancellationToken);
            var info = TpmAttestInfo.Parse(quote.Attest, "TPM2_Quote");
            if (info.Type != TpmSt.AttestQuote || !info.ExtraData.AsSpan().SequenceEqual(digest))
                throw TpmException.Malformed("TPM2_Quote", "the quote does not carry the requested type or qualifying data");
            if (!info.QuotedPcrs.SequenceEqual(_pcrs))
                throw new TpmException(
                    $"TPM2_Quote covers SHA-256 PCRs [{string.Join(",", info.QuotedPcrs)}] instead of [{string.Join(",", _pcrs)}]: is the SHA-256 PCR bank active on this TPM?",
                    "TPM2_Quote");
            byte[] concatenated = [.. values.Values.SelectMany(v => v)];
            if (SHA256.HashData(concatenated).AsSpan().SequenceEqual(info.PcrDigest))
                return (quote, [.. values.Select(kv => new TpmPcrValue(kv.Key, kv.Value))]);
            if (attempt == MaxQuoteAttempts)
                throw new TpmException(
                    $"The PCR values read after TPM2_Quote do not match the quoted digest {MaxQuoteAttempts} times in a row: the PCRs keep being extended.",
                    "TPM2_Quote");
        }
    }

    private TpmCertification Certify(string role, TpmKeySlot slot, byte[] digest, CancellationToken cancellationToken)
    {
        uint akHandle = Ensure(_attestationKey, null, cancellationToken);
        uint objectHandle = Ensure(slot, _attestationKey, cancellationToken);
        var certified = _client.Certify(objectHandle, akHandle, digest, cancellationToken);
        var info = TpmAttestInfo.Parse(certified.Attest, "TPM2_Certify");
        if (info.Type != TpmSt.AttestCertify || !info.ExtraData.AsSpan().SequenceEqual(digest))
            throw TpmException.Malformed("TPM2_Certify", "the certification does not carry the requested type or qualifying data");
        return new TpmCertification(role, (byte[])slot.Public.Clone(), certified.Attest, certified.Signature);
    }

    /// <summary>The first EK certificate defined at one of <paramref name="indices"/>, or empty.</summary>
    private byte[] ReadEkCertificate(IReadOnlyList<uint> indices, CancellationToken cancellationToken)
    {
        foreach (uint index in indices)
        {
            uint attributes;
            ushort size;
            try
            {
                (attributes, size) = _client.NvReadPublic(index, cancellationToken);
            }
            catch (TpmException e) when (e.ResponseCode is uint rc && TpmResponseCodes.BaseCode(rc) == TpmResponseCodes.HandleError)
            {
                continue; // not defined on this TPM
            }
            if ((attributes & TpmaNv.Written) == 0 || size == 0)
                continue;
            uint authHandle = (attributes & TpmaNv.AuthRead) != 0 ? index
                : (attributes & TpmaNv.OwnerRead) != 0 ? TpmRh.Owner
                : throw new TpmException(
                    $"The EK certificate at NV index 0x{index:X8} can be read neither with its own auth nor the owner's; set TpmOptions.EkCertificateIndices to skip it.",
                    "TPM2_NV_Read");
            var certificate = new byte[size];
            for (int offset = 0; offset < size; offset += NvChunkSize)
            {
                ushort chunk = (ushort)Math.Min(NvChunkSize, size - offset);
                _client.NvRead(authHandle, index, chunk, (ushort)offset, cancellationToken).CopyTo(certificate, offset);
            }
            return TrimDer(certificate);
        }
        return [];
    }

    /// <summary>NV indices may be larger than the certificate in them: keep the outer DER SEQUENCE only.</summary>
    private static byte[] TrimDer(byte[] data)
    {
        if (data.Length < 2 || data[0] != 0x30)
            return data;
        int lengthOctets = data[1] < 0x80 ? 0 : data[1] & 0x7F;
        if (lengthOctets > 3 || data.Length < 2 + lengthOctets)
            return data;
        int length = lengthOctets == 0 ? data[1] : 0;
        for (int i = 0; i < lengthOctets; i++)
            length = (length << 8) | data[2 + i];
        int total = 2 + lengthOctets + length;
        return total <= data.Length ? data[..total] : data;
    }
}
