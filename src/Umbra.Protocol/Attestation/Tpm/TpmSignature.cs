using System.Diagnostics.CodeAnalysis;

namespace Umbra.Protocol.Attestation;

/// <summary>A TPMT_SIGNATURE with an ECDSA signature: sigAlg, hash, signatureR, signatureS.</summary>
public sealed record TpmSignature(ushort SigAlg, ushort Hash, byte[] R, byte[] S)
{
    private const int MaxEccParameter = 66;

    /// <summary>r || s, each left-padded to 32 bytes (IEEE P1363 for P-256); null if either is longer.</summary>
    public byte[]? ToP1363()
    {
        if (R.Length > 32 || S.Length > 32)
            return null;
        var signature = new byte[64];
        R.CopyTo(signature.AsSpan(32 - R.Length));
        S.CopyTo(signature.AsSpan(64 - S.Length));
        return signature;
    }

    /// <exception cref="AttestationException">Not a well-formed ECDSA TPMT_SIGNATURE.</exception>
    public static TpmSignature Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var value, out var error) ? value : throw new AttestationException("TPMT_SIGNATURE: " + error);

    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out TpmSignature? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        var r = new TpmReader(data);
        if (!r.TryReadU16(out var sigAlg))
            return TpmPublic.Fail(out error, r, "sigAlg");
        if (sigAlg != TpmConstants.AlgEcdsa)
        {
            error = $"sigAlg is 0x{sigAlg:x4}; only ECDSA (TPM_ALG_ECDSA 0x0018) is accepted";
            return false;
        }
        if (!r.TryReadU16(out var hash))
            return TpmPublic.Fail(out error, r, "signature.hash");
        if (!r.TryReadSized(MaxEccParameter, out var sr))
            return TpmPublic.Fail(out error, r, "signature.signatureR");
        if (!r.TryReadSized(MaxEccParameter, out var ss))
            return TpmPublic.Fail(out error, r, "signature.signatureS");
        if (!r.AtEnd)
        {
            error = $"{r.Remaining} trailing bytes at offset {r.Position}";
            return false;
        }
        value = new TpmSignature(sigAlg, hash, sr, ss);
        error = null;
        return true;
    }
}
