namespace Umbra.Provider.Identity.Tpm;

/// <summary>TPM_CC command codes (TPM 2.0 Library, Part 2, 6.5) of the commands this client sends.</summary>
internal static class TpmCc
{
    public const uint NvRead = 0x0000014E;
    public const uint Certify = 0x00000148;
    public const uint CreatePrimary = 0x00000131;
    public const uint Create = 0x00000153;
    public const uint EcdhZGen = 0x00000154;
    public const uint Load = 0x00000157;
    public const uint Quote = 0x00000158;
    public const uint Sign = 0x0000015D;
    public const uint FlushContext = 0x00000165;
    public const uint NvReadPublic = 0x00000169;
    public const uint ReadPublic = 0x00000173;
    public const uint PcrRead = 0x0000017E;
}

/// <summary>TPM_ALG_ID values (Part 2, 6.3) this client uses.</summary>
internal static class TpmAlg
{
    public const ushort Aes = 0x0006;
    public const ushort Sha256 = 0x000B;
    public const ushort Null = 0x0010;
    public const ushort Ecdsa = 0x0018;
    public const ushort Ecdh = 0x0019;
    public const ushort Ecc = 0x0023;
    public const ushort Cfb = 0x0043;
}

/// <summary>TPM_ST structure tags (Part 2, 6.9).</summary>
internal static class TpmSt
{
    public const ushort NoSessions = 0x8001;
    public const ushort Sessions = 0x8002;
    public const ushort AttestCertify = 0x8017;
    public const ushort AttestQuote = 0x8018;
    public const ushort HashCheck = 0x8024;

    /// <summary>TPM_GENERATED_VALUE: the magic every TPMS_ATTEST starts with.</summary>
    public const uint GeneratedValue = 0xFF544347;
}

/// <summary>Permanent handles (Part 2, 7.4) and handle ranges.</summary>
internal static class TpmRh
{
    public const uint Owner = 0x40000001;
    public const uint Null = 0x40000007;

    /// <summary>TPM_RS_PW: a password authorization session.</summary>
    public const uint PasswordSession = 0x40000009;

    public const ushort EccNistP256 = 0x0003;
}

/// <summary>TPMA_OBJECT bits (Part 2, 8.3).</summary>
internal static class TpmaObject
{
    public const uint FixedTpm = 1u << 1;
    public const uint FixedParent = 1u << 4;
    public const uint SensitiveDataOrigin = 1u << 5;
    public const uint UserWithAuth = 1u << 6;
    public const uint NoDa = 1u << 10;
    public const uint Restricted = 1u << 16;
    public const uint Decrypt = 1u << 17;
    public const uint Sign = 1u << 18;
}

/// <summary>TPMA_NV bits (Part 2, 13.4) that decide how an index may be read.</summary>
internal static class TpmaNv
{
    public const uint PpRead = 1u << 16;
    public const uint OwnerRead = 1u << 17;
    public const uint AuthRead = 1u << 18;
    public const uint Written = 1u << 29;
}
