using System.Security.Cryptography;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// Checks <c>tpm2</c> evidence against the bundle: the AK is a restricted, TPM-resident P-256 signing key; its quote
/// covers the binding digest and the listed PCR values; it certified every bundle key as TPM-resident. The EK
/// chain, if any, is left to the certificate chain step.
/// </summary>
internal static class TpmEvidenceVerifier
{
    private const TpmObjectAttributes ResidentKey =
        TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent | TpmObjectAttributes.SensitiveDataOrigin;

    private const TpmObjectAttributes AkAttributes = ResidentKey | TpmObjectAttributes.Restricted | TpmObjectAttributes.SignEncrypt;

    /// <summary>TPMA_OBJECT bits 0, 3, 8-9, 12-15 and 20-31 are reserved: a TPM never sets them.</summary>
    private const uint ReservedAttributes = 0xFFF0_F309;

    public static EvidenceOutcome Check(AttestationClaims claims, byte[] data, byte[] bindingDigest)
    {
        TpmEvidence evidence;
        try
        {
            evidence = TpmEvidence.Decode(data);
        }
        catch (AttestationException e)
        {
            return EvidenceOutcome.Fail(e.Message);
        }

        if (!TpmPublic.TryParse(evidence.AkPublic, out var ak, out var error))
            return EvidenceOutcome.Fail($"The attestation key's public area (TPMT_PUBLIC): {error}.");
        var akProblem = KeyProblem(ak, "The attestation key (AK)", AkAttributes);
        if (akProblem != null)
            return EvidenceOutcome.Fail(akProblem);
        // A restricted signing key carries its scheme; the one a TPM makes for tpm2_createak -G ecc is ECDSA-SHA256.
        if (ak.SymmetricAlg != TpmConstants.AlgNull || ak.Scheme != TpmConstants.AlgEcdsa || ak.SchemeHash != TpmConstants.AlgSha256 || ak.Kdf != TpmConstants.AlgNull)
            return EvidenceOutcome.Fail($"The attestation key's parameters are not those of an ECDSA-SHA256 signing key (symmetric 0x{ak.SymmetricAlg:x4}, scheme 0x{ak.Scheme:x4}/0x{ak.SchemeHash:x4}, kdf 0x{ak.Kdf:x4}).");
        var akPoint = ak.P256Point();
        if (akPoint is null || !EcdsaP256.IsValidPoint(akPoint))
            return EvidenceOutcome.Fail("The attestation key's point is not on P-256.");

        // The quote.
        if (!TpmAttest.TryParse(evidence.QuoteAttest, out var quote, out error))
            return EvidenceOutcome.Fail($"The quote (TPMS_ATTEST): {error}.");
        var attestProblem = AttestProblem(quote, TpmConstants.StAttestQuote, "quote", bindingDigest);
        if (attestProblem != null)
            return EvidenceOutcome.Fail(attestProblem);
        var pcrProblem = PcrProblem(quote.Quote!, evidence.Pcrs);
        if (pcrProblem != null)
            return EvidenceOutcome.Fail(pcrProblem);
        var signatureProblem = SignatureProblem(evidence.QuoteSignature, evidence.QuoteAttest, akPoint, "quote");
        if (signatureProblem != null)
            return EvidenceOutcome.Fail(signatureProblem);

        // The certifications: one for the identity key and one per inference key, and nothing else.
        var expected = new Dictionary<string, (byte[] Point, bool Identity)>(StringComparer.Ordinal)
        {
            [TpmCertification.IdentityRole] = (claims.IdentityKey, true),
        };
        foreach (var key in claims.InferenceKeys)
            expected[TpmCertification.InferenceRole(key.KeyId)] = (key.PublicKey, false);
        foreach (var certification in evidence.Certifications)
        {
            if (!expected.Remove(certification.Role, out var target))
                return EvidenceOutcome.Fail($"A certification has role \"{certification.Role}\", which names no key in the bundle (roles are \"identity\" and \"inference:<key id>\").");
            var problem = CertificationProblem(certification, target.Point, target.Identity, akPoint, bindingDigest);
            if (problem != null)
                return EvidenceOutcome.Fail(problem);
        }
        if (expected.Count > 0)
        {
            var missing = expected.Keys.Order(StringComparer.Ordinal).ToArray();
            return EvidenceOutcome.Fail($"Missing certification for {string.Join(", ", missing.Select(m => m == TpmCertification.IdentityRole ? "the identity key" : "inference key " + m[TpmCertification.InferenceRolePrefix.Length..]))}: every key in the bundle must be certified by the AK as held in the TPM.");
        }

        var pcrList = evidence.Pcrs.Count == 0 ? "no PCRs" : "PCRs " + string.Join(",", evidence.Pcrs.Select(p => p.Index)) + " (sha256 bank)";
        var detail =
            $"TPM 2.0 evidence verifies: a restricted P-256 attestation key (fixedTPM, fixedParent, sensitiveDataOrigin) signed a quote of {pcrList} "
            + $"over this bundle's binding digest, and certified the identity key and {claims.InferenceKeys.Count} inference key(s) as created in the TPM and not exportable "
            + $"(TPM clock {quote.ClockInfo.Clock} ms, reset count {quote.ClockInfo.ResetCount}, firmware 0x{quote.FirmwareVersion:x16}). "
            + "That the AK belongs to the TPM of the EK certificate is asserted by the provider, not proven (no credential activation).";
        if (evidence.EkCertificate.Length == 0)
        {
            if (evidence.EkChain.Count > 0)
                return EvidenceOutcome.Fail("The EK chain lists intermediates but there is no EK certificate.");
            return EvidenceOutcome.Pass(detail, TrustLevel.Hardware, "the evidence carries no EK certificate, so nothing shows which maker's TPM this is (a software TPM would pass); the trust level stays at hardware");
        }
        var leaf = CertificateParsing.TryLoad(evidence.EkCertificate, "The EK certificate", out error);
        if (leaf is null)
            return EvidenceOutcome.Fail(error + ".");
        var intermediates = CertificateParsing.TryLoadAll(evidence.EkChain, "The EK chain certificate", out error);
        if (intermediates is null)
        {
            leaf.Dispose();
            return EvidenceOutcome.Fail(error + ".");
        }
        return EvidenceOutcome.PassWithChain(detail, leaf, intermediates, $"The TPM's endorsement key certificate (\"{leaf.Subject}\")", appleRoots: false);
    }

    /// <summary>Why <paramref name="key"/> is not a P-256, SHA-256-named key with <paramref name="required"/>; null if it is.</summary>
    private static string? KeyProblem(TpmPublic key, string what, TpmObjectAttributes required)
    {
        if (key.CurveId != TpmConstants.EccNistP256)
            return $"{what} is on curve 0x{key.CurveId:x4}; it must be NIST P-256 (TPM_ECC_NIST_P256 0x0003).";
        if (key.NameAlg != TpmConstants.AlgSha256)
            return $"{what} has nameAlg 0x{key.NameAlg:x4}; it must be SHA-256 (0x000B).";
        if (((uint)key.ObjectAttributes & ReservedAttributes) != 0)
            return $"{what} has reserved objectAttributes bits set (0x{(uint)key.ObjectAttributes:x8}): no TPM produced this public area.";
        var missing = required & ~key.ObjectAttributes;
        if (missing != 0)
            return $"{what} lacks the attribute(s) {Describe(missing)} (objectAttributes 0x{(uint)key.ObjectAttributes:x8}): {Why(missing)}";
        return null;
    }

    private static string Describe(TpmObjectAttributes attributes) =>
        string.Join(", ", Enum.GetValues<TpmObjectAttributes>().Where(a => a != 0 && attributes.HasFlag(a)).Select(a => a switch
        {
            TpmObjectAttributes.FixedTpm => "fixedTPM",
            TpmObjectAttributes.FixedParent => "fixedParent",
            TpmObjectAttributes.SensitiveDataOrigin => "sensitiveDataOrigin",
            TpmObjectAttributes.Restricted => "restricted",
            TpmObjectAttributes.SignEncrypt => "sign",
            TpmObjectAttributes.Decrypt => "decrypt",
            _ => a.ToString(),
        }));

    private static string Why(TpmObjectAttributes missing) =>
        (missing & (TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent)) != 0 ? "the key could be duplicated out of this TPM."
        : missing.HasFlag(TpmObjectAttributes.SensitiveDataOrigin) ? "the private key was imported, not generated inside the TPM."
        : missing.HasFlag(TpmObjectAttributes.Restricted) ? "an unrestricted key can sign data that only looks like a TPM quote."
        : "the key cannot be used as the evidence requires.";

    private static string? AttestProblem(TpmAttest attest, ushort type, string what, byte[] bindingDigest)
    {
        if (attest.Magic != TpmConstants.GeneratedValue)
            return $"The {what}'s magic is 0x{attest.Magic:x8}, not TPM_GENERATED_VALUE (0xff544347): the TPM did not produce it.";
        if (attest.Type != type)
            return $"The {what}'s type is 0x{attest.Type:x4}; expected 0x{type:x4}.";
        if (!CryptographicOperations.FixedTimeEquals(attest.ExtraData, bindingDigest))
            return $"The {what}'s extraData is not this bundle's binding digest: it was made for other claims, or replayed from another bundle.";
        return null;
    }

    private static string? PcrProblem(TpmQuoteInfo info, IReadOnlyList<TpmPcrValue> pcrs)
    {
        var selected = new SortedSet<int>();
        var sha256Banks = 0;
        foreach (var selection in info.PcrSelect)
        {
            var indices = selection.Indices().ToArray();
            if (selection.Hash != TpmConstants.AlgSha256)
            {
                if (indices.Length > 0)
                    return $"The quote selects PCRs of the bank 0x{selection.Hash:x4}; only the sha256 bank (0x000B) is accepted.";
                continue;
            }
            if (++sha256Banks > 1)
                return "The quote's PCR selection names the sha256 bank twice.";
            selected.UnionWith(indices);
        }
        var listed = pcrs.Select(p => (int)p.Index).ToArray();
        if (!selected.SequenceEqual(listed))
            return $"The quote selects PCRs [{string.Join(",", selected)}] but the evidence lists [{string.Join(",", listed)}].";
        var concatenated = pcrs.SelectMany(p => p.Sha256).ToArray();
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(concatenated), info.PcrDigest))
            return "The listed PCR values do not hash to the quote's pcrDigest: they are not the values the TPM quoted.";
        return null;
    }

    private static string? SignatureProblem(byte[] signatureBytes, byte[] attest, byte[] akPoint, string what)
    {
        if (!TpmSignature.TryParse(signatureBytes, out var signature, out var error))
            return $"The {what}'s signature (TPMT_SIGNATURE): {error}.";
        if (signature.Hash != TpmConstants.AlgSha256)
            return $"The {what} is signed with hash 0x{signature.Hash:x4}; ECDSA with SHA-256 (0x000B) is required.";
        var p1363 = signature.ToP1363();
        if (p1363 is null || !EcdsaP256.VerifyHash(akPoint, SHA256.HashData(attest), p1363))
            return $"The {what}'s signature does not verify with the attestation key: it was altered, or signed by another key.";
        return null;
    }

    private static string? CertificationProblem(TpmCertification certification, byte[] point, bool identity, byte[] akPoint, byte[] bindingDigest)
    {
        var what = identity ? "the identity key" : $"inference key {certification.Role[TpmCertification.InferenceRolePrefix.Length..]}";
        if (!TpmPublic.TryParse(certification.ObjectPublic, out var key, out var error))
            return $"The certified public area of {what} (TPMT_PUBLIC): {error}.";
        var required = ResidentKey | (identity ? TpmObjectAttributes.SignEncrypt : TpmObjectAttributes.Decrypt);
        var problem = KeyProblem(key, $"The TPM key certified as {what}", required);
        if (problem != null)
            return problem;
        if (!identity && key.Has(TpmObjectAttributes.Restricted))
            return $"The TPM key certified as {what} is restricted; an HPKE inference key must be an unrestricted decryption key.";
        var keyPoint = key.P256Point();
        if (keyPoint is null || !keyPoint.AsSpan().SequenceEqual(point))
            return $"The TPM key certified as {what} is not {what} in the bundle: its point differs.";
        if (!TpmAttest.TryParse(certification.CertifyAttest, out var attest, out error))
            return $"The certification of {what} (TPMS_ATTEST): {error}.";
        var attestProblem = AttestProblem(attest, TpmConstants.StAttestCertify, $"certification of {what}", bindingDigest);
        if (attestProblem != null)
            return attestProblem;
        var name = new byte[2 + 32];
        name[0] = TpmConstants.AlgSha256 >> 8;
        name[1] = TpmConstants.AlgSha256 & 0xFF;
        SHA256.HashData(certification.ObjectPublic, name.AsSpan(2));
        if (!attest.Certify!.Name.AsSpan().SequenceEqual(name))
            return $"The certification of {what} names another object: the certified name is not SHA-256 of the public area given.";
        return SignatureProblem(certification.CertifySignature, certification.CertifyAttest, akPoint, $"certification of {what}");
    }
}
