using System.Diagnostics.CodeAnalysis;

namespace Umbra.Protocol.Attestation;

/// <summary>
/// A TPMT_PUBLIC for an ECC key, as the TPM marshals it: type, nameAlg, objectAttributes, authPolicy, then
/// TPMS_ECC_PARMS (symmetric, scheme, curveID, kdf) and the unique TPMS_ECC_POINT (x, y). Other key types
/// are refused: Umbra's AK and certified keys are P-256.
/// </summary>
public sealed record TpmPublic(
    ushort Type,
    ushort NameAlg,
    TpmObjectAttributes ObjectAttributes,
    byte[] AuthPolicy,
    ushort SymmetricAlg,
    ushort SymmetricKeyBits,
    ushort SymmetricMode,
    ushort Scheme,
    ushort SchemeHash,
    ushort CurveId,
    ushort Kdf,
    ushort KdfHash,
    byte[] X,
    byte[] Y)
{
    private const int MaxDigest = 64;
    private const int MaxEccParameter = 66;

    public bool Has(TpmObjectAttributes attributes) => (ObjectAttributes & attributes) == attributes;

    /// <summary>The point as 65 bytes (0x04 || X || Y), coordinates left-padded to 32 bytes; null if either is longer.</summary>
    public byte[]? P256Point()
    {
        if (X.Length > 32 || Y.Length > 32)
            return null;
        var point = new byte[65];
        point[0] = 0x04;
        X.CopyTo(point.AsSpan(33 - X.Length));
        Y.CopyTo(point.AsSpan(65 - Y.Length));
        return point;
    }

    /// <exception cref="AttestationException">Not a well-formed ECC TPMT_PUBLIC; the message says where.</exception>
    public static TpmPublic Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var value, out var error) ? value : throw new AttestationException("TPMT_PUBLIC: " + error);

    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out TpmPublic? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        var r = new TpmReader(data);
        if (!r.TryReadU16(out var type))
            return Fail(out error, r, "type");
        if (type != TpmConstants.AlgEcc)
        {
            error = $"type is 0x{type:x4}; only ECC keys (TPM_ALG_ECC 0x0023) are accepted";
            return false;
        }
        if (!r.TryReadU16(out var nameAlg))
            return Fail(out error, r, "nameAlg");
        if (!r.TryReadU32(out var attributes))
            return Fail(out error, r, "objectAttributes");
        if (!r.TryReadSized(MaxDigest, out var authPolicy))
            return Fail(out error, r, "authPolicy");

        // TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless it is TPM_ALG_NULL.
        if (!r.TryReadU16(out var symmetric))
            return Fail(out error, r, "parameters.symmetric.algorithm");
        ushort keyBits = 0, mode = 0;
        if (symmetric != TpmConstants.AlgNull && (!r.TryReadU16(out keyBits) || !r.TryReadU16(out mode)))
            return Fail(out error, r, "parameters.symmetric.keyBits/mode");

        // TPMT_ECC_SCHEME: scheme, then its TPMS_SCHEME_HASH (ECDAA adds a count) unless TPM_ALG_NULL.
        if (!r.TryReadU16(out var scheme))
            return Fail(out error, r, "parameters.scheme.scheme");
        ushort schemeHash = 0;
        if (scheme != TpmConstants.AlgNull)
        {
            if (!r.TryReadU16(out schemeHash))
                return Fail(out error, r, "parameters.scheme.details.hashAlg");
            if (scheme == TpmConstants.AlgEcdaa && !r.TryReadU16(out _))
                return Fail(out error, r, "parameters.scheme.details.count");
        }

        if (!r.TryReadU16(out var curve))
            return Fail(out error, r, "parameters.curveID");

        // TPMT_KDF_SCHEME: scheme, then a hashAlg unless TPM_ALG_NULL.
        if (!r.TryReadU16(out var kdf))
            return Fail(out error, r, "parameters.kdf.scheme");
        ushort kdfHash = 0;
        if (kdf != TpmConstants.AlgNull && !r.TryReadU16(out kdfHash))
            return Fail(out error, r, "parameters.kdf.details.hashAlg");

        if (!r.TryReadSized(MaxEccParameter, out var x))
            return Fail(out error, r, "unique.x");
        if (!r.TryReadSized(MaxEccParameter, out var y))
            return Fail(out error, r, "unique.y");
        if (!r.AtEnd)
        {
            error = $"{r.Remaining} trailing bytes at offset {r.Position}";
            return false;
        }
        value = new TpmPublic(type, nameAlg, (TpmObjectAttributes)attributes, authPolicy, symmetric, keyBits, mode, scheme, schemeHash, curve, kdf, kdfHash, x, y);
        error = null;
        return true;
    }

    internal static bool Fail(out string error, in TpmReader r, string field)
    {
        error = $"field {field} at offset {r.Position} is truncated or over its size limit";
        return false;
    }
}
