namespace Umbra.Provider.Identity.Tpm;

/// <summary>TPML_PCR_SELECTION restricted to the SHA-256 bank and PCRs 0–23 (a 3-byte bitmap).</summary>
internal static class TpmPcrSelection
{
    public const int MaxPcr = 23;

    public static void Write(TpmWriter w, IEnumerable<int> pcrs)
    {
        Span<byte> bitmap = stackalloc byte[3];
        foreach (int pcr in pcrs)
            bitmap[pcr / 8] |= (byte)(1 << (pcr % 8));
        w.WriteU32(1);
        w.WriteU16(TpmAlg.Sha256);
        w.WriteU8(3);
        w.WriteBytes(bitmap);
    }

    /// <summary>Reads a selection and returns the selected SHA-256 PCRs in ascending order; other banks are refused.</summary>
    public static int[] Read(ref TpmReader r)
    {
        uint count = r.ReadU32("TPML_PCR_SELECTION.count");
        if (count > 16)
            throw r.Fail($"TPML_PCR_SELECTION.count is {count}, more than the 16 banks a TPM may have");
        var selected = new List<int>();
        for (int bank = 0; bank < count; bank++)
        {
            ushort hash = r.ReadU16("TPMS_PCR_SELECTION.hash");
            byte size = r.ReadU8("TPMS_PCR_SELECTION.sizeofSelect");
            var bitmap = r.ReadBytes(size, "TPMS_PCR_SELECTION.pcrSelect");
            for (int i = 0; i < bitmap.Length * 8; i++)
            {
                if ((bitmap[i / 8] & (1 << (i % 8))) == 0)
                    continue;
                if (hash != TpmAlg.Sha256)
                    throw r.Fail($"PCR {i} is selected in bank 0x{hash:X4}, not the SHA-256 bank");
                selected.Add(i);
            }
        }
        selected.Sort();
        return [.. selected];
    }
}
