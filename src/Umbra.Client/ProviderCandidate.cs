using Umbra.Protocol.Attestation;
using Umbra.Protocol.Sealing;

namespace Umbra.Client;

/// <summary>
/// A provider of a model that a request can be sealed to, with the key the client checked itself: the trust level
/// is the one this client computed from the provider's bundle (<see cref="TrustLevel.None"/> when the client's
/// minimum is none and nothing was proven), and <paramref name="BundleHash"/> names that bundle.
/// </summary>
public sealed record ProviderCandidate(string ProviderId, HpkePublicKey PublicKey, string Suite, TrustLevel TrustLevel = TrustLevel.None, string? BundleHash = null)
{
    public string KeyId => PublicKey.KeyId;
}
