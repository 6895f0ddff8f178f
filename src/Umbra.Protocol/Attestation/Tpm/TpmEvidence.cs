namespace Umbra.Protocol.Attestation;

/// <summary>One PCR of the sha256 bank and its value.</summary>
public sealed record TpmPcrValue(byte Index, byte[] Sha256);

/// <summary>
/// TPM2_Certify output for one bundle key. <paramref name="Role"/> is <c>identity</c> or <c>inference:&lt;key_id&gt;</c>;
/// <paramref name="ObjectPublic"/> the key's TPMT_PUBLIC, <paramref name="CertifyAttest"/> the TPMS_ATTEST and
/// <paramref name="CertifySignature"/> the AK's TPMT_SIGNATURE over it.
/// </summary>
public sealed record TpmCertification(string Role, byte[] ObjectPublic, byte[] CertifyAttest, byte[] CertifySignature)
{
    public const string IdentityRole = "identity";
    public const string InferenceRolePrefix = "inference:";

    public static string InferenceRole(string keyId) => InferenceRolePrefix + keyId;
}

/// <summary>
/// The data of <c>tpm2</c> evidence: the AK's public area, a quote over the binding digest and PCRs, a
/// certification of every bundle key, and the EK certificate with its intermediates (leaf side first, root
/// excluded). TPM structures are carried exactly as the TPM marshaled them (no TPM2B size prefix).
/// </summary>
public sealed record TpmEvidence(
    byte[] AkPublic,
    byte[] QuoteAttest,
    byte[] QuoteSignature,
    IReadOnlyList<TpmPcrValue> Pcrs,
    IReadOnlyList<TpmCertification> Certifications,
    byte[] EkCertificate,
    IReadOnlyList<byte[]> EkChain)
{
    public const ushort Version = 1;

    /// <summary>"UMBRATPM".</summary>
    public static ReadOnlySpan<byte> Magic => "UMBRATPM"u8;

    /// <summary>The largest TPM structure accepted (a TPMT_PUBLIC with a 4096-bit RSA modulus is well under).</summary>
    public const int MaxTpmStructureBytes = 4096;

    /// <summary>The largest certificate accepted.</summary>
    public const int MaxCertificateBytes = 16 * 1024;

    private const string What = "TPM evidence";

    public PlatformEvidence ToPlatformEvidence() => new(EvidenceKinds.Tpm2, Encode());

    /// <exception cref="ArgumentException">A field breaks a limit of the format.</exception>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(4096);
        w.Raw(Magic);
        w.U16(Version);
        w.Bytes(Limit(AkPublic, MaxTpmStructureBytes, nameof(AkPublic)));
        w.Bytes(Limit(QuoteAttest, MaxTpmStructureBytes, nameof(QuoteAttest)));
        w.Bytes(Limit(QuoteSignature, MaxTpmStructureBytes, nameof(QuoteSignature)));
        var pcrs = Pcrs.OrderBy(p => p.Index).ToArray();
        for (var i = 1; i < pcrs.Length; i++)
        {
            if (pcrs[i].Index == pcrs[i - 1].Index)
                throw new ArgumentException($"PCR {pcrs[i].Index} is listed twice.", nameof(Pcrs));
        }
        w.Count(pcrs.Length);
        foreach (var pcr in pcrs)
        {
            w.U8(pcr.Index);
            w.Bytes(BundleEncoding.CheckLength(pcr.Sha256, AttestationLimits.Sha256Bytes, "Pcrs.Sha256"));
        }
        if (Certifications.Count > AttestationLimits.MaxCertifications)
            throw new ArgumentException($"{Certifications.Count} certifications; the limit is {AttestationLimits.MaxCertifications}.", nameof(Certifications));
        w.Count(Certifications.Count);
        foreach (var c in Certifications)
        {
            w.String(BundleEncoding.CheckString(c.Role, "Certifications.Role"));
            w.Bytes(Limit(c.ObjectPublic, MaxTpmStructureBytes, "Certifications.ObjectPublic"));
            w.Bytes(Limit(c.CertifyAttest, MaxTpmStructureBytes, "Certifications.CertifyAttest"));
            w.Bytes(Limit(c.CertifySignature, MaxTpmStructureBytes, "Certifications.CertifySignature"));
        }
        w.Bytes(Limit(EkCertificate, MaxCertificateBytes, nameof(EkCertificate)));
        if (EkChain.Count > AttestationLimits.MaxChainCertificates)
            throw new ArgumentException($"{EkChain.Count} chain certificates; the limit is {AttestationLimits.MaxChainCertificates}.", nameof(EkChain));
        w.Count(EkChain.Count);
        foreach (var der in EkChain)
            w.Bytes(Limit(der, MaxCertificateBytes, nameof(EkChain)));
        if (w.Length > AttestationLimits.MaxEvidenceBytes)
            throw new ArgumentException($"The TPM evidence is {w.Length} bytes; the limit is {AttestationLimits.MaxEvidenceBytes}.");
        return w.ToArray();
    }

    /// <exception cref="AttestationException">The data breaks a rule of the format; the message names the field and offset.</exception>
    public static TpmEvidence Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > AttestationLimits.MaxEvidenceBytes)
            throw new AttestationException($"{What}: {data.Length} bytes; the limit is {AttestationLimits.MaxEvidenceBytes}.");
        var r = new CanonicalReader(data, What);
        if (!r.Raw(Magic.Length, "magic").SequenceEqual(Magic))
            r.FailAt(0, "magic", "is not \"UMBRATPM\"");
        var version = r.U16("version");
        if (version != Version)
            r.FailAt(8, "version", $"is {version}; this verifier reads version {Version}");
        var ak = r.Bytes("ak_public", MaxTpmStructureBytes);
        var attest = r.Bytes("quote_attest", MaxTpmStructureBytes);
        var signature = r.Bytes("quote_signature", MaxTpmStructureBytes);

        var pcrCount = r.Count("pcrs", AttestationLimits.MaxPcrs, 1 + 4 + 32);
        var pcrs = new TpmPcrValue[pcrCount];
        for (var i = 0; i < pcrCount; i++)
        {
            var start = r.Position;
            var index = r.U8($"pcrs[{i}].index");
            if (i > 0 && index <= pcrs[i - 1].Index)
                r.FailAt(start, $"pcrs[{i}].index", $"is {index}, not above the previous index {pcrs[i - 1].Index}; PCRs are listed in ascending order, once each");
            pcrs[i] = new TpmPcrValue(index, r.FixedBytes($"pcrs[{i}].sha256_value", AttestationLimits.Sha256Bytes));
        }

        var certCount = r.Count("certifications", AttestationLimits.MaxCertifications, 16);
        var certifications = new TpmCertification[certCount];
        var roles = new HashSet<string>(certCount, StringComparer.Ordinal);
        for (var i = 0; i < certCount; i++)
        {
            var start = r.Position;
            var role = r.String($"certifications[{i}].role");
            if (!roles.Add(role))
                r.FailAt(start, $"certifications[{i}].role", $"repeats role \"{role}\"");
            certifications[i] = new TpmCertification(
                role,
                r.Bytes($"certifications[{i}].object_public", MaxTpmStructureBytes),
                r.Bytes($"certifications[{i}].certify_attest", MaxTpmStructureBytes),
                r.Bytes($"certifications[{i}].certify_signature", MaxTpmStructureBytes));
        }

        var ek = r.Bytes("ek_certificate", MaxCertificateBytes);
        var chainCount = r.Count("ek_chain", AttestationLimits.MaxChainCertificates, 4);
        var chain = new byte[chainCount][];
        for (var i = 0; i < chainCount; i++)
            chain[i] = r.Bytes($"ek_chain[{i}]", MaxCertificateBytes);
        r.EnsureEnd();
        return new TpmEvidence(ak, attest, signature, pcrs, certifications, ek, chain);
    }

    private static byte[] Limit(byte[] value, int max, string field)
    {
        ArgumentNullException.ThrowIfNull(value, field);
        if (value.Length > max)
            throw new ArgumentException($"{field} is {value.Length} bytes; the limit is {max}.", field);
        return value;
    }
}
