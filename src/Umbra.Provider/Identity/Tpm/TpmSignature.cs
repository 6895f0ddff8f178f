namespace Umbra.Provider.Identity.Tpm;

/// <summary>TPMT_SIGNATURE for ECDSA: sigAlg, hashAlg, signatureR, signatureS (each a TPM2B).</summary>
internal static class TpmSignature
{
    /// <summary>Reads a TPMT_SIGNATURE and returns it as marshaled; only ECDSA with SHA-256 is accepted.</summary>
    public static byte[] Read(ref TpmReader reader)
    {
        int start = reader.Offset;
        ushort sigAlg = reader.ReadU16("TPMT_SIGNATURE.sigAlg");
        if (sigAlg != TpmAlg.Ecdsa)
            throw reader.Fail($"the signature algorithm is 0x{sigAlg:X4}, not TPM_ALG_ECDSA");
        ushort hash = reader.ReadU16("TPMT_SIGNATURE.hash");
        if (hash != TpmAlg.Sha256)
            throw reader.Fail($"the signature hash is 0x{hash:X4}, not TPM_ALG_SHA256");
        reader.ReadSized("TPMS_SIGNATURE_ECDSA.signatureR", 32);
        reader.ReadSized("TPMS_SIGNATURE_ECDSA.signatureS", 32);
        return reader.Since(start).ToArray();
    }

    /// <summary>An ECDSA TPMT_SIGNATURE as IEEE P1363 r||s (64 bytes, each half left-padded to 32).</summary>
    public static byte[] ToP1363(ReadOnlySpan<byte> tpmtSignature, string command)
    {
        var reader = new TpmReader(tpmtSignature, command);
        Read(ref reader);
        reader = new TpmReader(tpmtSignature[4..], command);
        var r = reader.ReadSized("signatureR", 32);
        var s = reader.ReadSized("signatureS", 32);
        var p1363 = new byte[64];
        r.CopyTo(p1363.AsSpan(32 - r.Length));
        s.CopyTo(p1363.AsSpan(64 - s.Length));
        return p1363;
    }
}
