namespace Umbra.Provider.Identity.Tpm;

/// <summary>
/// Where the TPM is and what the provider asks of it. Set exactly one of <see cref="DevicePath"/> (a real TPM,
/// normally /dev/tpmrm0) and <see cref="SwtpmEndpoint"/> (swtpm's server socket, host:port).
/// </summary>
public sealed record TpmOptions
{
    /// <summary>The kernel's resource-managed TPM device.</summary>
    public const string DefaultDevicePath = "/dev/tpmrm0";

    /// <summary>The TCG EK certificate NV indices: RSA 2048, ECC NIST P-256, ECC NIST P-384 (tried in this order).</summary>
    public static readonly IReadOnlyList<uint> DefaultEkCertificateIndices = [0x01C00002, 0x01C0000A, 0x01C00016];

    /// <summary>A TPM character device, e.g. /dev/tpmrm0.</summary>
    public string? DevicePath { get; init; }

    /// <summary>swtpm's data socket as host:port (swtpm socket --tpm2 --server type=tcp,port=P).</summary>
    public string? SwtpmEndpoint { get; init; }

    /// <summary>The SHA-256 PCRs the quote covers (0–23); PCRs 0–7 by default (firmware and boot chain).</summary>
    public IReadOnlyList<int> Pcrs { get; init; } = [0, 1, 2, 3, 4, 5, 6, 7];

    /// <summary>The NV indices to look for the endorsement key certificate in; the first defined one is read.
    /// Empty: do not read it.</summary>
    public IReadOnlyList<uint> EkCertificateIndices { get; init; } = DefaultEkCertificateIndices;

    /// <summary>DER certificates between the EK certificate and a TPM vendor root (leaf side first, root excluded),
    /// carried in the evidence as they are. Empty unless the operator configures them.</summary>
    public IReadOnlyList<byte[]> EkChain { get; init; } = [];

    /// <summary>How long one command may take over TCP before it is abandoned.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Transient objects the provider keeps loaded at once, the storage key included. A TPM without a resource
    /// manager (swtpm, /dev/tpm0) typically holds three; the rest are reloaded from their wrapped blobs on use.
    /// </summary>
    public int MaxLoadedObjects { get; init; } = 3;

    /// <summary>Checks the options and returns the PCR list sorted.</summary>
    /// <exception cref="ArgumentException">What is wrong.</exception>
    internal int[] Validate(bool requireLocation = true)
    {
        if (requireLocation && string.IsNullOrWhiteSpace(DevicePath) == string.IsNullOrWhiteSpace(SwtpmEndpoint))
            throw new ArgumentException("Set exactly one of TpmOptions.DevicePath (e.g. /dev/tpmrm0) and TpmOptions.SwtpmEndpoint (host:port).");
        if (requireLocation && !string.IsNullOrWhiteSpace(SwtpmEndpoint))
            TpmTcpTransport.ParseEndpoint(SwtpmEndpoint);
        ArgumentNullException.ThrowIfNull(Pcrs);
        ArgumentNullException.ThrowIfNull(EkChain);
        ArgumentNullException.ThrowIfNull(EkCertificateIndices);
        if (Pcrs.Count == 0)
            throw new ArgumentException("TpmOptions.Pcrs must name at least one PCR.");
        if (Pcrs.Any(p => p is < 0 or > TpmPcrSelection.MaxPcr))
            throw new ArgumentException($"TpmOptions.Pcrs must be between 0 and {TpmPcrSelection.MaxPcr}: {string.Join(",", Pcrs)}.");
        if (Pcrs.Distinct().Count() != Pcrs.Count)
            throw new ArgumentException($"TpmOptions.Pcrs lists a PCR twice: {string.Join(",", Pcrs)}.");
        if (EkChain.Any(c => c is null || c.Length == 0))
            throw new ArgumentException("TpmOptions.EkChain holds an empty certificate.");
        if (CommandTimeout <= TimeSpan.Zero)
            throw new ArgumentException("TpmOptions.CommandTimeout must be positive.");
        if (MaxLoadedObjects < 3)
            throw new ArgumentException("TpmOptions.MaxLoadedObjects must be at least 3 (the storage key, a key and the attestation key that certifies it).");
        return [.. Pcrs.Order()];
    }
}
