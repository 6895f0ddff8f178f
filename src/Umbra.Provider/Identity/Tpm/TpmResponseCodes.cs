using System.Collections.Frozen;

namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// Turns a TPM_RC into text a person can act on (TPM 2.0 Library, Part 2, 6.6): the error's name and meaning,
/// and for format-one codes which handle, session or parameter it concerns.
/// </summary>
internal static class TpmResponseCodes
{
    public const uint Success = 0;
    private const uint Ver1 = 0x100;
    private const uint Warn = 0x900;
    private const uint Fmt1 = 0x080;

    public const uint Initialize = Ver1 + 0x000;
    public const uint ObjectMemory = Warn + 0x002;
    public const uint Yielded = Warn + 0x008;
    public const uint Testing = Warn + 0x00A;
    public const uint Retry = Warn + 0x022;

    /// <summary>TPM_RC_HANDLE (format one): the handle named does not exist, e.g. an NV index that is not defined.</summary>
    public const uint HandleError = Fmt1 + 0x00B;

    private static readonly FrozenDictionary<uint, string> Format1 = new Dictionary<uint, string>
    {
        [0x001] = "TPM_RC_ASYMMETRIC (asymmetric algorithm not supported or not correct)",
        [0x002] = "TPM_RC_ATTRIBUTES (inconsistent attributes)",
        [0x003] = "TPM_RC_HASH (hash algorithm not supported or not appropriate)",
        [0x004] = "TPM_RC_VALUE (value is out of range or is not correct for the context)",
        [0x005] = "TPM_RC_HIERARCHY (hierarchy is not enabled or is not correct for the use)",
        [0x007] = "TPM_RC_KEY_SIZE (key size is not supported)",
        [0x008] = "TPM_RC_MGF (mask generation function not supported)",
        [0x009] = "TPM_RC_MODE (mode of operation not supported)",
        [0x00A] = "TPM_RC_TYPE (the type of the value is not appropriate for the use)",
        [0x00B] = "TPM_RC_HANDLE (the handle is not correct for the use, or does not exist)",
        [0x00C] = "TPM_RC_KDF (unsupported key derivation function or function not appropriate for use)",
        [0x00D] = "TPM_RC_RANGE (value was out of allowed range)",
        [0x00E] = "TPM_RC_AUTH_FAIL (the authorization HMAC check failed and the DA counter incremented)",
        [0x00F] = "TPM_RC_NONCE (invalid nonce size or nonce value mismatch)",
        [0x010] = "TPM_RC_PP (authorization requires assertion of physical presence)",
        [0x012] = "TPM_RC_SCHEME (unsupported or incompatible scheme)",
        [0x015] = "TPM_RC_SIZE (structure is the wrong size)",
        [0x016] = "TPM_RC_SYMMETRIC (unsupported symmetric algorithm or key size, or not appropriate for instance)",
        [0x017] = "TPM_RC_TAG (incorrect structure tag)",
        [0x018] = "TPM_RC_SELECTOR (union selector is incorrect)",
        [0x01A] = "TPM_RC_INSUFFICIENT (the TPM was unable to unmarshal a value because there were not enough octets in the input buffer)",
        [0x01B] = "TPM_RC_SIGNATURE (the signature is not valid)",
        [0x01C] = "TPM_RC_KEY (key fields are not compatible with the selected use)",
        [0x01D] = "TPM_RC_POLICY_FAIL (a policy check failed)",
        [0x01F] = "TPM_RC_INTEGRITY (integrity check failed)",
        [0x020] = "TPM_RC_TICKET (invalid ticket)",
        [0x021] = "TPM_RC_RESERVED_BITS (reserved bits not set to zero as required)",
        [0x022] = "TPM_RC_BAD_AUTH (authorization failure without DA implications)",
        [0x023] = "TPM_RC_EXPIRED (the policy has expired)",
        [0x024] = "TPM_RC_POLICY_CC (the commandCode in the policy is not the commandCode of the command)",
        [0x025] = "TPM_RC_BINDING (public and sensitive portions of an object are not cryptographically bound)",
        [0x026] = "TPM_RC_CURVE (curve not supported)",
        [0x027] = "TPM_RC_ECC_POINT (point is not on the required curve)",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<uint, string> Format0 = new Dictionary<uint, string>
    {
        [0x000] = "TPM_RC_INITIALIZE (the TPM has not been started: TPM2_Startup was not sent)",
        [0x001] = "TPM_RC_FAILURE (the TPM is in failure mode)",
        [0x003] = "TPM_RC_SEQUENCE (improper use of a sequence handle)",
        [0x00B] = "TPM_RC_PRIVATE (not currently used)",
        [0x019] = "TPM_RC_HMAC (not currently used)",
        [0x020] = "TPM_RC_DISABLED (the command is disabled)",
        [0x021] = "TPM_RC_EXCLUSIVE (command failed because audit sequence required exclusivity)",
        [0x024] = "TPM_RC_AUTH_TYPE (authorization handle is not correct for the command)",
        [0x025] = "TPM_RC_AUTH_MISSING (the command requires an authorization session for a handle and it is not present)",
        [0x026] = "TPM_RC_POLICY (policy failure in math operation or an invalid authPolicy value)",
        [0x027] = "TPM_RC_PCR (PCR check fail)",
        [0x028] = "TPM_RC_PCR_CHANGED (PCR have changed since checked)",
        [0x02D] = "TPM_RC_UPGRADE (the TPM is in field upgrade mode)",
        [0x02E] = "TPM_RC_TOO_MANY_CONTEXTS (context ID counter is at maximum)",
        [0x02F] = "TPM_RC_AUTH_UNAVAILABLE (authValue or authPolicy is not available for the selected entity)",
        [0x030] = "TPM_RC_REBOOT (a _TPM_Init and Startup(CLEAR) is required before the TPM can resume operation)",
        [0x031] = "TPM_RC_UNBALANCED (the protection algorithms (hash and symmetric) are not reasonably balanced)",
        [0x042] = "TPM_RC_COMMAND_SIZE (command commandSize value is inconsistent with the contents of the command buffer)",
        [0x043] = "TPM_RC_COMMAND_CODE (command code not supported)",
        [0x044] = "TPM_RC_AUTHSIZE (the value of authorizationSize is out of range or the number of octets in the authorization area is greater than required)",
        [0x045] = "TPM_RC_AUTH_CONTEXT (use of an authorization session with a context command or another command that cannot have an authorization session)",
        [0x046] = "TPM_RC_NV_RANGE (NV offset + size is out of range)",
        [0x047] = "TPM_RC_NV_SIZE (requested allocation size is larger than allowed)",
        [0x048] = "TPM_RC_NV_LOCKED (NV access locked)",
        [0x049] = "TPM_RC_NV_AUTHORIZATION (NV access authorization fails in command actions)",
        [0x04A] = "TPM_RC_NV_UNINITIALIZED (an NV index is used before being initialized or the state saved by TPM2_Shutdown could not be restored)",
        [0x04B] = "TPM_RC_NV_SPACE (insufficient space for NV allocation)",
        [0x04C] = "TPM_RC_NV_DEFINED (NV index or persistent object already defined)",
        [0x050] = "TPM_RC_BAD_CONTEXT (context in TPM2_ContextLoad is not valid)",
        [0x051] = "TPM_RC_CPHASH (cpHash value already set or not correct for use)",
        [0x052] = "TPM_RC_PARENT (handle for parent is not a valid parent)",
        [0x053] = "TPM_RC_NEEDS_TEST (some function needs testing)",
        [0x054] = "TPM_RC_NO_RESULT (an internal function cannot process a request due to an unspecified problem)",
        [0x055] = "TPM_RC_SENSITIVE (the sensitive area did not unmarshal correctly after decryption)",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<uint, string> Warnings = new Dictionary<uint, string>
    {
        [0x001] = "TPM_RC_CONTEXT_GAP (gap for context ID is too large)",
        [0x002] = "TPM_RC_OBJECT_MEMORY (out of memory for object contexts: too many transient objects are loaded)",
        [0x003] = "TPM_RC_SESSION_MEMORY (out of memory for session contexts)",
        [0x004] = "TPM_RC_MEMORY (out of shared object/session memory or need space for internal operations)",
        [0x005] = "TPM_RC_SESSION_HANDLES (out of session handles)",
        [0x006] = "TPM_RC_OBJECT_HANDLES (out of object handles)",
        [0x007] = "TPM_RC_LOCALITY (bad locality)",
        [0x008] = "TPM_RC_YIELDED (the TPM has suspended operation on the command)",
        [0x009] = "TPM_RC_CANCELED (the command was canceled)",
        [0x00A] = "TPM_RC_TESTING (the TPM is performing self-tests)",
        [0x020] = "TPM_RC_NV_RATE (the TPM is rate-limiting accesses to prevent wearout of NV)",
        [0x021] = "TPM_RC_LOCKOUT (authorizations for objects subject to DA protection are not allowed at this time because the TPM is in DA lockout mode)",
        [0x022] = "TPM_RC_RETRY (the TPM was not able to start the command)",
        [0x023] = "TPM_RC_NV_UNAVAILABLE (the command may require writing of NV and NV is not currently accessible)",
    }.ToFrozenDictionary();

    /// <summary>The error's code with its handle/session/parameter number removed (0x18B → 0x08B).</summary>
    public static uint BaseCode(uint rc)
    {
        rc &= 0xFFFF;
        return (rc & Fmt1) != 0 ? Fmt1 | (rc & 0x3F) : rc;
    }

    public static string Describe(uint rc)
    {
        string hex = $"0x{rc:X8}";
        if (rc == Success)
            return $"{hex} TPM_RC_SUCCESS";
        uint layer = rc >> 16;
        string layerText = layer == 0 ? "" : $" (reported by software layer 0x{layer:X2}, e.g. a resource manager, not the TPM)";
        uint code = rc & 0xFFFF;
        if ((code & Fmt1) != 0)
        {
            string name = Format1.GetValueOrDefault(code & 0x3F) ?? $"unknown format-one error 0x{code & 0x3F:X3}";
            uint n = (code >> 8) & 0xF;
            string where = (code & 0x40) != 0 ? $"parameter {n}"
                : n == 0 ? "an unspecified handle or session"
                : (n & 0x8) != 0 ? $"session {n & 0x7}" : $"handle {n}";
            return $"{hex} {name}, concerning {where}{layerText}";
        }
        if ((code & Ver1) == 0)
            return $"{hex} a TPM 1.2 error code{layerText}";
        bool warning = (code & 0x800) != 0;
        if ((code & 0x400) != 0)
            return $"{hex} a vendor-defined {(warning ? "warning" : "error")}{layerText}";
        uint number = code & 0x7F;
        string? text = warning ? Warnings.GetValueOrDefault(number) : Format0.GetValueOrDefault(number);
        if (text is null && warning && number is >= 0x10 and <= 0x16)
            text = $"TPM_RC_REFERENCE_H{number - 0x10} (the handle in handle area {number - 0x10} references a transient object or session that is not loaded)";
        if (text is null && warning && number is >= 0x18 and <= 0x1E)
            text = $"TPM_RC_REFERENCE_S{number - 0x18} (the session in session area {number - 0x18} is not loaded)";
        return $"{hex} {text ?? $"unknown {(warning ? "warning" : "error")} 0x{number:X3}"}{layerText}";
    }
}
