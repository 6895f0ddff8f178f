namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// A key the provider created under its storage key: the wrapped private part (only this TPM can unwrap it),
/// the TPMT_PUBLIC, and the transient handle while it is loaded. Held in memory only.
/// </summary>
internal sealed class TpmKeySlot
{
    public TpmKeySlot(TpmClient.CreatedKey blob, string command)
    {
        Blob = blob;
        Area = TpmPublicArea.Parse(blob.Public, command);
    }

    public TpmClient.CreatedKey Blob { get; }

    public TpmPublicArea Area { get; }

    public byte[] Public => Blob.Public;

    /// <summary>The transient handle, or 0 when not loaded.</summary>
    public uint Handle { get; set; }

    /// <summary>When it was last used (a counter), for evicting the least recently used.</summary>
    public long LastUse { get; set; }

    public bool Released { get; set; }
}
