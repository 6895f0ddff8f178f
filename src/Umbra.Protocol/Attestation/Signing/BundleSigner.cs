namespace Umbra.Protocol.Attestation;

/// <summary>Makes a signed bundle: binding → evidence over its digest → body → identity signature.</summary>
public static class BundleSigner
{
    /// <exception cref="ArgumentException">
    /// The signer's public key is not <see cref="AttestationClaims.IdentityKey"/>, the evidence is not of the source's
    /// kind, or the claims break a limit of the format.
    /// </exception>
    public static AttestationBundle Create(AttestationClaims claims, IAttestationSigner signer, IEvidenceSource evidenceSource)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(evidenceSource);
        if (!signer.PublicKey.AsSpan().SequenceEqual(claims.IdentityKey))
            throw new ArgumentException("The signer's public key is not the identity key the claims name; a verifier would reject the bundle.", nameof(signer));
        var digest = BundleEncoding.BindingDigest(claims);
        var evidence = evidenceSource.Collect(digest, claims);
        if (!string.Equals(evidence.Kind, evidenceSource.Kind, StringComparison.Ordinal))
            throw new ArgumentException($"The evidence source said it makes \"{evidenceSource.Kind}\" evidence but made \"{evidence.Kind}\".", nameof(evidenceSource));
        var body = BundleEncoding.Encode(claims, evidence);
        return new AttestationBundle(body, signer.Sign(body));
    }
}
