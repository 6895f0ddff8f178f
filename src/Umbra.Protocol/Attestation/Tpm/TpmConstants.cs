namespace Umbra.Protocol.Attestation;

/// <summary>The TPM 2.0 constants the verifier reads (TPM 2.0 Library, Part 2: Structures).</summary>
public static class TpmConstants
{
    /// <summary>TPM_GENERATED_VALUE: the magic at the start of every TPMS_ATTEST the TPM signs.</summary>
    public const uint GeneratedValue = 0xFF544347;

    public const ushort StAttestCertify = 0x8017;
    public const ushort StAttestQuote = 0x8018;

    public const ushort AlgRsa = 0x0001;
    public const ushort AlgSha1 = 0x0004;
    public const ushort AlgAes = 0x0006;
    public const ushort AlgSha256 = 0x000B;
    public const ushort AlgSha384 = 0x000C;
    public const ushort AlgSha512 = 0x000D;
    public const ushort AlgNull = 0x0010;
    public const ushort AlgEcdsa = 0x0018;
    public const ushort AlgEcdaa = 0x001A;
    public const ushort AlgEcc = 0x0023;

    public const ushort EccNistP256 = 0x0003;

    /// <summary>TPMI_YES_NO's two values.</summary>
    public const byte No = 0;
    public const byte Yes = 1;
}

/// <summary>TPMA_OBJECT bits the verifier cares about.</summary>
[Flags]
public enum TpmObjectAttributes : uint
{
    None = 0,
    FixedTpm = 1u << 1,
    StClear = 1u << 2,
    FixedParent = 1u << 4,
    SensitiveDataOrigin = 1u << 5,
    UserWithAuth = 1u << 6,
    AdminWithPolicy = 1u << 7,
    NoDa = 1u << 10,
    EncryptedDuplication = 1u << 11,
    Restricted = 1u << 16,
    Decrypt = 1u << 17,
    SignEncrypt = 1u << 18,
}
