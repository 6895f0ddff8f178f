namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// The fields of a TPMS_ATTEST the provider checks on its own output before handing it out (the verifier has
/// its own parser): type, extraData and, for a quote, the PCR selection and digest.
/// </summary>
internal sealed record TpmAttestInfo(ushort Type, byte[] ExtraData, int[] QuotedPcrs, byte[] PcrDigest)
{
    public static TpmAttestInfo Parse(ReadOnlySpan<byte> attest, string command)
    {
        var r = new TpmReader(attest, command);
        uint magic = r.ReadU32("TPMS_ATTEST.magic");
        if (magic != TpmSt.GeneratedValue)
            throw r.Fail($"TPMS_ATTEST.magic is 0x{magic:X8}, not TPM_GENERATED_VALUE");
        ushort type = r.ReadU16("TPMS_ATTEST.type");
        r.ReadSized("TPMS_ATTEST.qualifiedSigner", 68);
        byte[] extraData = r.ReadSized("TPMS_ATTEST.extraData", 64).ToArray();
        r.ReadBytes(17, "TPMS_ATTEST.clockInfo");
        r.ReadU64("TPMS_ATTEST.firmwareVersion");
        int[] pcrs = [];
        byte[] digest = [];
        if (type == TpmSt.AttestQuote)
        {
            pcrs = TpmPcrSelection.Read(ref r);
            digest = r.ReadSized("TPMS_QUOTE_INFO.pcrDigest", 64).ToArray();
        }
        else if (type == TpmSt.AttestCertify)
        {
            r.ReadSized("TPMS_CERTIFY_INFO.name", 68);
            r.ReadSized("TPMS_CERTIFY_INFO.qualifiedName", 68);
        }
        else
        {
            throw r.Fail($"TPMS_ATTEST.type is 0x{type:X4}, neither a quote nor a certification");
        }
        r.ExpectEnd("TPMS_ATTEST");
        return new TpmAttestInfo(type, extraData, pcrs, digest);
    }
}
