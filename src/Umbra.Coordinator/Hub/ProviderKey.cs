using Umbra.Protocol.Sealing;

namespace Umbra.Coordinator.Hub;

/// <summary>An inference key a provider announced and the coordinator accepted: the point parses and its id matches it.</summary>
internal sealed record ProviderKey(string KeyId, string PublicKey, string Suite, HpkePublicKey Key, HpkeSuite HpkeSuite);
