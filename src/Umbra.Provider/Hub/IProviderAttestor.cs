using Umbra.Protocol.Hub;

namespace Umbra.Provider.Hub;

/// <summary>
/// What the hub client needs from the provider's attestation: the inference keys to announce now, and a fresh
/// signed bundle bound to a challenge's nonce. <see cref="Changed"/> fires when the keys change (a rotation), so
/// the client tells the coordinator, which challenges again before it uses the new key.
/// </summary>
public interface IProviderAttestor
{
    IReadOnlyList<InferenceKeyInfo> CurrentKeys { get; }

    /// <summary>A bundle bound to <paramref name="nonce"/> (empty for an unchallenged one). May take a while (a TPM quote).</summary>
    SignedBlob Attest(ReadOnlySpan<byte> nonce);

    event EventHandler? Changed;
}
