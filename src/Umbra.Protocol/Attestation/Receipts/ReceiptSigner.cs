namespace Umbra.Protocol.Attestation;

public static class ReceiptSigner
{
    /// <summary>Encodes and signs a receipt with the provider's identity key.</summary>
    /// <exception cref="ArgumentException">The claims break a rule of the format.</exception>
    public static SignedReceipt Create(ReceiptClaims claims, IAttestationSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var body = ReceiptEncoding.Encode(claims);
        return new SignedReceipt(body, signer.Sign(body));
    }
}
