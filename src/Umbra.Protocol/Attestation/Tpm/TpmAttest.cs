using System.Diagnostics.CodeAnalysis;

namespace Umbra.Protocol.Attestation;

/// <summary>TPMS_CLOCK_INFO: clock, resetCount, restartCount, safe.</summary>
public sealed record TpmClockInfo(ulong Clock, uint ResetCount, uint RestartCount, bool Safe);

/// <summary>TPMS_PCR_SELECTION: a hash (bank) and the bitmap of selected PCRs (PCR i is bit i % 8 of byte i / 8).</summary>
public sealed record TpmPcrSelection(ushort Hash, byte[] Select)
{
    public IEnumerable<int> Indices()
    {
        for (var i = 0; i < Select.Length * 8; i++)
        {
            if ((Select[i / 8] & (1 << (i % 8))) != 0)
                yield return i;
        }
    }
}

/// <summary>TPMS_QUOTE_INFO: the PCR selection (TPML_PCR_SELECTION) and the digest of the selected PCRs.</summary>
public sealed record TpmQuoteInfo(IReadOnlyList<TpmPcrSelection> PcrSelect, byte[] PcrDigest);

/// <summary>TPMS_CERTIFY_INFO: the certified object's name and qualified name.</summary>
public sealed record TpmCertifyInfo(byte[] Name, byte[] QualifiedName);

/// <summary>
/// TPMS_ATTEST: magic, type, qualifiedSigner, extraData, clockInfo, firmwareVersion and the attested union,
/// read as TPMS_QUOTE_INFO (type TPM_ST_ATTEST_QUOTE) or TPMS_CERTIFY_INFO (TPM_ST_ATTEST_CERTIFY); other types
/// are refused. The magic is returned as read; the verifier checks it.
/// </summary>
public sealed record TpmAttest(
    uint Magic,
    ushort Type,
    byte[] QualifiedSigner,
    byte[] ExtraData,
    TpmClockInfo ClockInfo,
    ulong FirmwareVersion,
    TpmQuoteInfo? Quote,
    TpmCertifyInfo? Certify)
{
    private const int MaxName = 2 + 64;
    private const int MaxData = 64;
    private const int MaxDigest = 64;
    private const int MaxSelections = 16;
    private const int MaxSelectBytes = 32;

    /// <exception cref="AttestationException">Not a well-formed TPMS_ATTEST of a supported type.</exception>
    public static TpmAttest Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var value, out var error) ? value : throw new AttestationException("TPMS_ATTEST: " + error);

    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out TpmAttest? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        var r = new TpmReader(data);
        if (!r.TryReadU32(out var magic))
            return TpmPublic.Fail(out error, r, "magic");
        if (!r.TryReadU16(out var type))
            return TpmPublic.Fail(out error, r, "type");
        if (!r.TryReadSized(MaxName, out var qualifiedSigner))
            return TpmPublic.Fail(out error, r, "qualifiedSigner");
        if (!r.TryReadSized(MaxData, out var extraData))
            return TpmPublic.Fail(out error, r, "extraData");
        if (!r.TryReadU64(out var clock) || !r.TryReadU32(out var resetCount) || !r.TryReadU32(out var restartCount) || !r.TryReadU8(out var safe))
            return TpmPublic.Fail(out error, r, "clockInfo");
        if (safe > TpmConstants.Yes)
        {
            error = $"clockInfo.safe is {safe}; TPMI_YES_NO is 0 or 1";
            return false;
        }
        if (!r.TryReadU64(out var firmware))
            return TpmPublic.Fail(out error, r, "firmwareVersion");

        TpmQuoteInfo? quote = null;
        TpmCertifyInfo? certify = null;
        switch (type)
        {
            case TpmConstants.StAttestQuote:
                if (!TryReadPcrSelection(ref r, out var selections, out error))
                    return false;
                if (!r.TryReadSized(MaxDigest, out var pcrDigest))
                    return TpmPublic.Fail(out error, r, "attested.quote.pcrDigest");
                quote = new TpmQuoteInfo(selections, pcrDigest);
                break;
            case TpmConstants.StAttestCertify:
                if (!r.TryReadSized(MaxName, out var name))
                    return TpmPublic.Fail(out error, r, "attested.certify.name");
                if (!r.TryReadSized(MaxName, out var qualifiedName))
                    return TpmPublic.Fail(out error, r, "attested.certify.qualifiedName");
                certify = new TpmCertifyInfo(name, qualifiedName);
                break;
            default:
                error = $"type is 0x{type:x4}; only TPM_ST_ATTEST_QUOTE (0x8018) and TPM_ST_ATTEST_CERTIFY (0x8017) are accepted";
                return false;
        }
        if (!r.AtEnd)
        {
            error = $"{r.Remaining} trailing bytes at offset {r.Position}";
            return false;
        }
        value = new TpmAttest(magic, type, qualifiedSigner, extraData, new TpmClockInfo(clock, resetCount, restartCount, safe == TpmConstants.Yes), firmware, quote, certify);
        error = null;
        return true;
    }

    /// <summary>TPML_PCR_SELECTION: u32 count, then count × (hash u16, sizeofSelect u8, pcrSelect[sizeofSelect]).</summary>
    private static bool TryReadPcrSelection(ref TpmReader r, out TpmPcrSelection[] selections, [NotNullWhen(false)] out string? error)
    {
        selections = [];
        if (!r.TryReadU32(out var count))
            return TpmPublic.Fail(out error, r, "attested.quote.pcrSelect.count");
        if (count > MaxSelections)
        {
            error = $"attested.quote.pcrSelect.count is {count}; at most {MaxSelections} banks are accepted";
            return false;
        }
        selections = new TpmPcrSelection[count];
        for (var i = 0; i < count; i++)
        {
            if (!r.TryReadU16(out var hash) || !r.TryReadU8(out var size))
                return TpmPublic.Fail(out error, r, $"attested.quote.pcrSelect[{i}]");
            if (size > MaxSelectBytes || !r.TryRead(size, out var select))
                return TpmPublic.Fail(out error, r, $"attested.quote.pcrSelect[{i}].pcrSelect");
            selections[i] = new TpmPcrSelection(hash, select.ToArray());
        }
        error = null;
        return true;
    }
}
