namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// The TPMT_PUBLIC templates of the objects the provider creates. Every key is ECC NIST P-256 with nameAlg
/// SHA-256, generated inside the TPM (sensitiveDataOrigin) and bound to it (fixedTPM, fixedParent): its
/// private part never leaves the TPM in the clear. Auth is empty (userWithAuth with an empty password) and
/// noDA is set, because an empty password has nothing to guard against dictionary attacks and a lockout
/// must not stop the provider.
/// </summary>
internal static class TpmTemplates
{
    private const uint Resident = TpmaObject.FixedTpm | TpmaObject.FixedParent | TpmaObject.SensitiveDataOrigin
        | TpmaObject.UserWithAuth | TpmaObject.NoDa;

    /// <summary>The storage root key (SRK-style): restricted decrypt, AES-128-CFB for the children it wraps.</summary>
    public static byte[] StorageRoot() =>
        Ecc(Resident | TpmaObject.Restricted | TpmaObject.Decrypt, symmetric: true, scheme: TpmAlg.Null);

    /// <summary>The attestation key: restricted signing, ECDSA-SHA256. Signs only TPM-generated structures.</summary>
    public static byte[] AttestationKey() =>
        Ecc(Resident | TpmaObject.Restricted | TpmaObject.Sign, symmetric: false, scheme: TpmAlg.Ecdsa);

    /// <summary>The identity key: unrestricted signing, ECDSA-SHA256, signs digests the host computes.</summary>
    public static byte[] IdentityKey() =>
        Ecc(Resident | TpmaObject.Sign, symmetric: false, scheme: TpmAlg.Ecdsa);

    /// <summary>An inference key: unrestricted decrypt with the ECDH scheme, for TPM2_ECDH_ZGen.</summary>
    public static byte[] InferenceKey() =>
        Ecc(Resident | TpmaObject.Decrypt, symmetric: false, scheme: TpmAlg.Ecdh);

    private static byte[] Ecc(uint attributes, bool symmetric, ushort scheme)
    {
        var w = new TpmWriter();
        w.WriteU16(TpmAlg.Ecc);
        w.WriteU16(TpmAlg.Sha256);
        w.WriteU32(attributes);
        w.WriteU16(0); // authPolicy: none
        // TPMS_ECC_PARMS: symmetric, scheme, curveID, kdf.
        if (symmetric)
        {
            w.WriteU16(TpmAlg.Aes);
            w.WriteU16(128);
            w.WriteU16(TpmAlg.Cfb);
        }
        else
        {
            w.WriteU16(TpmAlg.Null);
        }
        w.WriteU16(scheme);
        if (scheme != TpmAlg.Null)
            w.WriteU16(TpmAlg.Sha256);
        w.WriteU16(TpmRh.EccNistP256);
        w.WriteU16(TpmAlg.Null);
        // unique: an empty point; the TPM fills in the generated one.
        w.WriteU16(0);
        w.WriteU16(0);
        return w.Written.ToArray();
    }
}
