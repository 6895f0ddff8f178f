using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Provider.Attestation;

/// <summary>An identity key held in a device (TPM, Secure Enclave), seen as a bundle signer.</summary>
internal sealed class HeldSigner(Func<byte[]> publicKey, Func<byte[], byte[]> sign) : IAttestationSigner
{
    public byte[] PublicKey => publicKey();

    public byte[] Sign(ReadOnlySpan<byte> data) => sign(data.ToArray());
}

/// <summary>An inference key held in a device, seen as the key agreement an HPKE recipient key needs.</summary>
internal sealed class HeldAgreement(byte[] publicKey, HeldAgreement.AgreeFunction agree) : IP256KeyAgreement
{
    public delegate void AgreeFunction(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX);

    public byte[] PublicKey => (byte[])publicKey.Clone();

    public void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedX) => agree(peerPublicKey, sharedX);
}
