namespace Umbra.Protocol.Sealing;

/// <summary>
/// A P-256 private key held somewhere this process cannot read it (a TPM, the Secure Enclave): it only
/// computes Diffie-Hellman with a peer's public key. <see cref="HpkePrivateKey.FromAgreement"/> turns it into
/// an HPKE recipient key, so sealed requests open without the scalar ever entering managed memory.
/// </summary>
public interface IP256KeyAgreement
{
    /// <summary>The public key, 65 bytes SEC1 uncompressed (0x04 || X || Y).</summary>
    byte[] PublicKey { get; }

    /// <summary>Writes the 32-byte x-coordinate of d·<paramref name="peerPublicKey"/> (65 bytes, uncompressed) to <paramref name="sharedX"/>.</summary>
    void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX);
}
