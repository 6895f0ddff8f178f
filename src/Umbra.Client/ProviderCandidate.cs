using Umbra.Protocol.Sealing;

namespace Umbra.Client;

/// <summary>A provider of a model that a request can be sealed to, with the key the client checked itself.</summary>
public sealed record ProviderCandidate(string ProviderId, HpkePublicKey PublicKey, string Suite)
{
    public string KeyId => PublicKey.KeyId;
}
