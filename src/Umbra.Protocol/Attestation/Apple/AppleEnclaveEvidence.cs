namespace Umbra.Protocol.Attestation;

/// <summary>
/// The data of <c>apple-secure-enclave</c> evidence: Apple's attestation certificate chain for the identity key,
/// leaf first, root excluded. The leaf certifies the Secure Enclave key and carries the bundle's binding digest
/// as its nonce (extension <see cref="AppleNonceExtension.Oid"/>).
/// </summary>
public sealed record AppleEnclaveEvidence(IReadOnlyList<byte[]> Chain)
{
    public const ushort Version = 1;

    /// <summary>"UMBRAAPL".</summary>
    public static ReadOnlySpan<byte> Magic => "UMBRAAPL"u8;

    private const string What = "Secure Enclave evidence";

    public PlatformEvidence ToPlatformEvidence() => new(EvidenceKinds.AppleSecureEnclave, Encode());

    /// <exception cref="ArgumentException">The chain is empty, too long, or holds an oversized certificate.</exception>
    public byte[] Encode()
    {
        ArgumentNullException.ThrowIfNull(Chain);
        if (Chain.Count is 0 or > AttestationLimits.MaxChainCertificates)
            throw new ArgumentException($"The chain holds {Chain.Count} certificates; it must hold 1 to {AttestationLimits.MaxChainCertificates}.", nameof(Chain));
        var w = new CanonicalWriter(4096);
        w.Raw(Magic);
        w.U16(Version);
        w.Count(Chain.Count);
        foreach (var der in Chain)
        {
            ArgumentNullException.ThrowIfNull(der, nameof(Chain));
            if (der.Length > TpmEvidence.MaxCertificateBytes)
                throw new ArgumentException($"A chain certificate is {der.Length} bytes; the limit is {TpmEvidence.MaxCertificateBytes}.", nameof(Chain));
            w.Bytes(der);
        }
        return w.ToArray();
    }

    /// <exception cref="AttestationException">The data breaks a rule of the format.</exception>
    public static AppleEnclaveEvidence Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > AttestationLimits.MaxEvidenceBytes)
            throw new AttestationException($"{What}: {data.Length} bytes; the limit is {AttestationLimits.MaxEvidenceBytes}.");
        var r = new CanonicalReader(data, What);
        if (!r.Raw(Magic.Length, "magic").SequenceEqual(Magic))
            r.FailAt(0, "magic", "is not \"UMBRAAPL\"");
        var version = r.U16("version");
        if (version != Version)
            r.FailAt(8, "version", $"is {version}; this verifier reads version {Version}");
        var start = r.Position;
        var count = r.Count("chain", AttestationLimits.MaxChainCertificates, 4);
        if (count == 0)
            r.FailAt(start, "chain", "is empty; it must hold at least the leaf certificate");
        var chain = new byte[count][];
        for (var i = 0; i < count; i++)
            chain[i] = r.Bytes($"chain[{i}]", TpmEvidence.MaxCertificateBytes);
        r.EnsureEnd();
        return new AppleEnclaveEvidence(chain);
    }
}
